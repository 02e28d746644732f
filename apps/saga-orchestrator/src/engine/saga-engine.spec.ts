import { SAGA_COMMANDS, type SagaCommand, type SagaReply } from '@scale-chat/contracts';
import { accountDeletionSaga, roomSaga, signupSaga } from './saga-definitions';
import { checkDefinition } from './saga-definition';
import {
  answerWaitMs,
  retryDelayMs,
  SagaEngine,
  type SagaState,
  type Transition,
} from './saga-engine';

const unchangedFrom = (state: SagaState): Transition => ({ state, commands: [] });

const T0 = Date.parse('2026-11-22T12:00:00Z');
const engine = new SagaEngine(signupSaga(10_000));

const reply = (
  command: SagaCommand | undefined,
  outcome: SagaReply['outcome'],
  data?: Record<string, unknown>,
): SagaReply => {
  if (command === undefined) throw new Error('no command was sent');
  return {
    sagaId: command.sagaId,
    commandId: command.commandId,
    outcome,
    ...(data === undefined ? {} : { data }),
  };
};

/** Runs a saga through `answers` (one per command sent) and lists the commands sent. */
function drive(start: Transition, answers: readonly ('ok' | 'fail' | 'timeout')[], saga = engine) {
  let { state, commands } = start;
  const sent = commands.map((command) => `${command.kind} ${command.name}`);
  let now = T0;
  for (const answer of answers) {
    const [command] = commands;
    now += 1_000;
    const next =
      answer === 'timeout'
        ? saga.onTimeout(state, (state.deadline ?? now) + 1)
        : saga.onReply(state, reply(command, answer === 'ok' ? 'succeeded' : 'failed'), now);
    ({ state, commands } = next);
    sent.push(...commands.map((c) => `${c.kind} ${c.name}`));
  }
  return { state, sent, commands };
}

describe('SagaEngine on the signup saga', () => {
  const start = () => engine.start('saga-1', { userId: 'u1', username: 'ann' }, T0);

  it('starts with the first step the initiator did not do itself', () => {
    const { state, commands } = start();
    expect(commands).toEqual([
      {
        sagaId: 'saga-1',
        commandId: 'saga-1:1:execute',
        sagaType: 'signup',
        kind: 'execute',
        participant: 'chat-gateway',
        name: 'chat.create-profile',
        payload: { userId: 'u1', username: 'ann' },
      },
    ]);
    expect(state).toMatchObject({ status: 'running', step: 1, deadline: T0 + 10_000 });
  });

  it('completes when every step succeeds, passing facts on', () => {
    const first = start();
    const second = engine.onReply(
      first.state,
      reply(first.commands[0], 'succeeded', { profileId: 'p1' }),
      T0 + 5,
    );
    expect(second.commands[0]).toMatchObject({
      name: 'auth.activate-user',
      payload: { userId: 'u1', profileId: 'p1' },
    });
    const done = engine.onReply(second.state, reply(second.commands[0], 'succeeded'), T0 + 10);
    expect(done).toMatchObject({ state: { status: 'completed', deadline: null }, commands: [] });
    expect(done.state.history.map((entry) => `${entry.step} ${entry.event}`)).toEqual([
      'create-chat-profile sent',
      'create-chat-profile succeeded',
      'activate-user sent',
      'activate-user succeeded',
      'signup completed',
    ]);
  });

  it('a failed profile step undoes only what was done before it: the pending user', () => {
    const { state, sent } = drive(start(), ['fail', 'ok']);
    expect(sent).toEqual(['execute chat.create-profile', 'compensate auth.discard-pending-user']);
    expect(state).toMatchObject({ status: 'compensated', failure: 'failed' });
  });

  it('a timed-out profile step is undone too, then the pending user', () => {
    const { state, sent } = drive(start(), ['timeout', 'ok', 'ok']);
    expect(sent).toEqual([
      'execute chat.create-profile',
      'compensate chat.delete-profile',
      'compensate auth.discard-pending-user',
    ]);
    expect(state).toMatchObject({
      status: 'compensated',
      failure: 'create-chat-profile timed out',
    });
  });

  it('a failed activation undoes the profile, then the pending user, in reverse order', () => {
    const { sent, state } = drive(start(), ['ok', 'fail', 'ok', 'ok']);
    expect(sent).toEqual([
      'execute chat.create-profile',
      'execute auth.activate-user',
      'compensate chat.delete-profile',
      'compensate auth.discard-pending-user',
    ]);
    expect(state.status).toBe('compensated');
  });

  it('sends a compensation again until it succeeds', () => {
    // Refused, then sent again after a wait; that one times out and is sent again.
    const { sent, state } = drive(start(), ['fail', 'fail', 'timeout', 'timeout', 'ok']);
    expect(sent).toEqual([
      'execute chat.create-profile',
      'compensate auth.discard-pending-user',
      'compensate auth.discard-pending-user',
      'compensate auth.discard-pending-user',
    ]);
    expect(state).toMatchObject({ status: 'compensated', attempt: 3 });
  });

  it('waits longer each time before sending a refused compensation again, and counts no timeout', () => {
    const failed = drive(start(), ['fail']);
    const refuse = (transition: Transition, at: number) =>
      engine.onReply(transition.state, reply(transition.commands[0], 'failed'), at);
    const once = refuse(failed, T0 + 5_000);
    expect(once.commands).toEqual([]);
    expect(once.state.deadline).toBe(T0 + 5_000 + 1_000);
    expect(engine.onTimeout(once.state, T0 + 5_500)).toEqual(unchangedFrom(once.state));
    const again = engine.onTimeout(once.state, T0 + 6_001);
    expect(again.commands.map((command) => command.name)).toEqual(['auth.discard-pending-user']);
    expect(again.state.attempt).toBe(2);
    const twice = refuse(again, T0 + 7_000);
    expect(twice.state.deadline).toBe(T0 + 7_000 + 2_000);
    expect(twice.state.history.map((entry) => entry.event)).not.toContain('timed-out');
    expect([1, 2, 3, 7, 8, 20].map(retryDelayMs)).toEqual([
      1_000, 2_000, 4_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('ignores a reply that comes after its timeout, a repeated reply, and replies to a finished saga', () => {
    const first = start();
    const timedOut = engine.onTimeout(first.state, (first.state.deadline ?? 0) + 1);
    const late = engine.onReply(timedOut.state, reply(first.commands[0], 'succeeded'), T0 + 20_000);
    expect(late).toEqual({ state: timedOut.state, commands: [] });

    const undone = engine.onReply(
      timedOut.state,
      reply(timedOut.commands[0], 'succeeded'),
      T0 + 21_000,
    );
    const again = engine.onReply(
      undone.state,
      reply(timedOut.commands[0], 'succeeded'),
      T0 + 22_000,
    );
    expect(again).toEqual({ state: undone.state, commands: [] });

    const finished = drive(start(), ['ok', 'ok']).state;
    expect(engine.onReply(finished, reply(first.commands[0], 'failed'), T0)).toEqual({
      state: finished,
      commands: [],
    });
    expect(engine.onTimeout(finished, T0 + 1e9)).toEqual({ state: finished, commands: [] });
  });

  it('sends a timed-out activation again instead of undoing it, and completes on the answer', () => {
    const { state, sent } = drive(start(), ['ok', 'timeout', 'timeout', 'ok']);
    expect(sent).toEqual([
      'execute chat.create-profile',
      'execute auth.activate-user',
      'execute auth.activate-user',
      'execute auth.activate-user',
    ]);
    expect(state).toMatchObject({ status: 'completed', attempt: 3 });
    expect(state.history.filter((entry) => entry.event === 'timed-out')).toHaveLength(2);
  });

  it('waits twice as long for each try of a timed-out step again, at most five minutes', () => {
    let transition: Transition = drive(start(), ['ok']);
    const waits: number[] = [];
    for (let timeout = 0; timeout < 8; timeout += 1) {
      const { state } = transition;
      const deadline = state.deadline ?? Number.NaN;
      const at = deadline + 1;
      transition = engine.onTimeout(state, at);
      waits.push((transition.state.deadline ?? Number.NaN) - at);
    }
    expect(waits).toEqual([20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000, 300_000]);
    expect(transition.commands.map((command) => command.name)).toEqual(['auth.activate-user']);
    // A step whose own timeout is past the ceiling waits that long each time.
    expect([1, 2, 5].map((attempt) => answerWaitMs(600_000, attempt))).toEqual([
      600_000, 600_000, 600_000,
    ]);
  });

  it('still undoes the steps before a retried step when it answers that it failed', () => {
    const { state, sent } = drive(start(), ['ok', 'timeout', 'fail', 'ok', 'ok']);
    expect(sent).toEqual([
      'execute chat.create-profile',
      'execute auth.activate-user',
      'execute auth.activate-user',
      'compensate chat.delete-profile',
      'compensate auth.discard-pending-user',
    ]);
    expect(state.status).toBe('compensated');
  });

  it('does nothing on a timeout before the deadline', () => {
    const first = start();
    expect(engine.onTimeout(first.state, T0 + 9_999)).toEqual({ state: first.state, commands: [] });
  });

  it('gives each command a stable id, so a participant that sees it twice acts once', () => {
    const a = start();
    const b = engine.start('saga-1', { userId: 'u1', username: 'ann' }, T0 + 5);
    expect(a.commands[0]?.commandId).toBe(b.commands[0]?.commandId);
  });
});

describe('the room and account-deletion sagas', () => {
  it('room: a user who is not active cancels the pending room', () => {
    const room = new SagaEngine(roomSaga(10_000));
    const { sent, state } = drive(
      room.start('r1', { roomId: 'room-1', memberIds: ['u2'] }, T0),
      ['fail', 'ok'],
      room,
    );
    expect(sent).toEqual(['execute auth.check-users-active', 'compensate chat.cancel-room']);
    expect(state.status).toBe('compensated');
  });

  it("room: a failure's facts reach the compensation (which users were not active)", () => {
    const rooms = new SagaEngine(roomSaga(10_000));
    const started = rooms.start('r2', { roomId: 'r', userIds: ['a', 'b'] }, T0);
    const failed = rooms.onReply(
      started.state,
      { ...reply(started.commands[0], 'failed'), data: { inactiveUserIds: ['b'] } },
      T0 + 1,
    );
    expect(failed.commands.map((command) => [command.name, command.payload])).toEqual([
      ['chat.cancel-room', { roomId: 'r', userIds: ['a', 'b'], inactiveUserIds: ['b'] }],
    ]);
  });

  it('account deletion: removed from rooms, then deleted; a failure restores the user', () => {
    const deletion = new SagaEngine(accountDeletionSaga(10_000));
    expect(drive(deletion.start('d1', { userId: 'u1' }, T0), ['ok', 'ok'], deletion).sent).toEqual([
      'execute chat.remove-user-from-rooms',
      'execute auth.delete-user',
    ]);
    expect(
      drive(deletion.start('d2', { userId: 'u1' }, T0), ['fail', 'ok'], deletion).sent,
    ).toEqual(['execute chat.remove-user-from-rooms', 'compensate auth.restore-user']);
  });

  it('account deletion: a refused deletion gives the chat profile back, then restores the user', () => {
    const deletion = new SagaEngine(accountDeletionSaga(10_000));
    expect(
      drive(deletion.start('d4', { userId: 'u1' }, T0), ['ok', 'fail', 'ok', 'ok'], deletion),
    ).toMatchObject({
      sent: [
        'execute chat.remove-user-from-rooms',
        'execute auth.delete-user',
        'compensate chat.create-profile',
        'compensate auth.restore-user',
      ],
      state: { status: 'compensated' },
    });
  });

  it('account deletion: a timed-out step is sent again, never undone (the user asked for it)', () => {
    const deletion = new SagaEngine(accountDeletionSaga(10_000));
    const { sent, state } = drive(
      deletion.start('d3', { userId: 'u1' }, T0),
      ['timeout', 'ok', 'timeout', 'ok'],
      deletion,
    );
    expect(sent).toEqual([
      'execute chat.remove-user-from-rooms',
      'execute chat.remove-user-from-rooms',
      'execute auth.delete-user',
      'execute auth.delete-user',
    ]);
    expect(state.status).toBe('completed');
  });

  it('refuses a step undone on a timeout after a step that is retried', () => {
    expect(() =>
      checkDefinition({
        type: 'signup',
        steps: [
          {
            name: 'a',
            participant: 'auth',
            command: SAGA_COMMANDS.activateUser,
            timeoutMs: 1,
            onTimeout: 'retry',
          },
          { name: 'b', participant: 'auth', command: SAGA_COMMANDS.activateUser, timeoutMs: 1 },
        ],
      }),
    ).toThrow('step b would be undone on a timeout after a step that is retried');
  });

  it('rejects a definition with nothing to execute, or an initiator step after a command', () => {
    expect(() =>
      checkDefinition({
        type: 'signup',
        steps: [{ name: 'a', participant: 'auth', timeoutMs: 1 }],
      }),
    ).toThrow('has no step to execute');
    expect(() =>
      checkDefinition({
        type: 'signup',
        steps: [
          { name: 'a', participant: 'auth', command: SAGA_COMMANDS.activateUser, timeoutMs: 1 },
          { name: 'b', participant: 'auth', timeoutMs: 1 },
        ],
      }),
    ).toThrow('step b has no command');
  });

  it("neither compiles nor takes a step that sends a command its participants do not take from that saga's type", () => {
    const profile = { name: 'profile', participant: 'chat-gateway' as const, timeoutMs: 1 };
    expect(() =>
      checkDefinition({
        type: 'room',
        // @ts-expect-error chat.create-profile belongs to signups and account deletions
        steps: [{ ...profile, command: SAGA_COMMANDS.createChatProfile }],
      }),
    ).toThrow('which SAGA_TYPES_OF_COMMAND does not give to room sagas');
    // Built from data the compiler never saw: still refused.
    const unheardOf = JSON.parse('"chat.unheard-of"') as typeof SAGA_COMMANDS.activateRoom;
    expect(() =>
      checkDefinition({ type: 'room', steps: [{ ...profile, command: unheardOf }] }),
    ).toThrow('sends chat.unheard-of');
    expect(
      checkDefinition({
        type: 'signup',
        steps: [{ ...profile, command: SAGA_COMMANDS.createChatProfile }],
      }),
    ).toBeDefined();
  });
});
