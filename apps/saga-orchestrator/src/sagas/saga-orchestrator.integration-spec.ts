import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  AUTH_LOGINS_TOPIC,
  LOGIN_REVOKED,
  SAGA_COMMAND_TOPICS,
  SAGA_EVENT_TYPES,
  SAGA_REPLIES_TOPIC,
  SAGA_REQUESTS_TOPIC,
  prefixedTopic,
  type SagaCommand,
  type SagaReply,
} from '@scale-chat/contracts';
import { ensureTopics, KafkaConnection } from '@scale-chat/platform';
import {
  startAnotherInstance,
  startTestService,
  type TestService,
} from '@scale-chat/platform/testing';
import { eventually, eventuallyValue } from '@scale-chat/wait';
import { Partitioners, type Consumer, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { DataSource, In } from 'typeorm';
import { sagaOrchestratorService } from '../app.module';
import type { OrchestratorConfig } from '../orchestrator-config';
import { KeptSagaRequests } from './kept-saga-requests';
import { replyPartitionOf } from './reply-partitions';
import { SagaRecord } from './saga.entity';

jest.setTimeout(60_000);

/**
 * A member of the orchestrators' group in a process of its own, once it has joined: what
 * it holds, by topic, and the process. It holds its partitions and reads nothing from them
 * for as long as it lives; on SIGTERM it leaves the group first.
 */
async function joinAMember(
  brokers: readonly string[],
  groupId: string,
  topics: readonly string[],
): Promise<{ held: Record<string, number[]>; member: ChildProcess }> {
  const script = `
    const { Kafka, logLevel } = require('kafkajs');
    const consumer = new Kafka({ brokers: ${JSON.stringify(brokers)}, logLevel: logLevel.NOTHING })
      .consumer({ groupId: ${JSON.stringify(groupId)}, sessionTimeout: 6000, heartbeatInterval: 1000 });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
      process.stdout.write('joined ' + JSON.stringify(payload.memberAssignment) + '\\n'));
    process.on('SIGTERM', () => {
      setTimeout(() => process.exit(1), 5000).unref();
      consumer.disconnect().then(() => process.exit(0));
    });
    (async () => {
      await consumer.connect();
      await consumer.subscribe({ topics: ${JSON.stringify(topics)} });
      await consumer.run({ eachMessage: () => new Promise(() => {}) });
    })();`;
  const member = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  member.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await eventually('the member joined', () => output.includes('joined'), {
    timeoutMs: 30_000,
    failed: () => (member.exitCode === null ? undefined : `it exited with ${member.exitCode}`),
  });
  const held = JSON.parse(/joined (.*)/.exec(output)?.[1] ?? '{}') as Record<string, number[]>;
  return { held, member };
}

/** Ends `member` with `signal` and waits until it has exited. */
async function stop(member: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise((resolve) => member.once('exit', resolve));
  member.kill(signal);
  await exited;
}

/**
 * A member that joined and was killed with SIGKILL: it never leaves the group, so the
 * broker keeps it (and waits for it in the next rebalance) until its 6 s session times
 * out, as after an orchestrator killed or lost with its machine. What it held, by topic.
 */
async function leaveAMemberThatDied(
  brokers: readonly string[],
  groupId: string,
  topics: readonly string[],
): Promise<Record<string, number[]>> {
  const { held, member } = await joinAMember(brokers, groupId, topics);
  await stop(member, 'SIGKILL');
  return held;
}

/** How each participant, played by the test, answers a command (by name). */
type Script = Record<string, 'succeed' | 'fail' | 'ignore'>;

describe('the orchestrator over Kafka, with the test playing auth and chat', () => {
  let orchestrator: TestService<OrchestratorConfig>;
  let producer: Producer;
  let participants: Consumer;
  const scripts = new Map<string, Script>();
  const received = new Map<string, string[]>();
  /** The last command each saga sent, for the test to answer itself. */
  const lastCommand = new Map<string, SagaCommand>();
  /** The orchestrator after a restart, once a test has restarted it. */
  let restarted: TestService<OrchestratorConfig> | undefined;

  const envelope = (type: string, data: unknown) =>
    JSON.stringify({ id: randomUUID(), type, occurredAt: new Date().toISOString(), data });

  const sendReply = async (reply: SagaReply) => {
    await producer.send({
      topic: `${orchestrator.config.kafkaTopicPrefix}${SAGA_REPLIES_TOPIC.name}`,
      messages: [{ key: reply.sagaId, value: envelope(SAGA_EVENT_TYPES.reply, reply) }],
    });
  };

  const answer = (command: SagaCommand, outcome: SagaReply['outcome']) =>
    sendReply({
      sagaId: command.sagaId,
      commandId: command.commandId,
      outcome,
      ...(outcome === 'failed' ? { reason: 'the participant said no' } : {}),
    });

  /** A signup's payload, as auth asks for one. */
  const signupPayload = () => ({ userId: randomUUID(), username: 'ann', displayName: 'Ann' });

  const request = async (
    sagaId: string,
    script: Script,
    sagaType = 'signup',
    payload: Record<string, unknown> = signupPayload(),
  ) => {
    scripts.set(sagaId, script);
    await producer.send({
      topic: `${orchestrator.config.kafkaTopicPrefix}${SAGA_REQUESTS_TOPIC.name}`,
      messages: [
        {
          key: sagaId,
          value: envelope(SAGA_EVENT_TYPES.start, { sagaId, sagaType, payload }),
        },
      ],
    });
  };

  /** Where the orchestrator reads requests, as a dead letter of one names it. */
  const requestsTopic = () => `${orchestrator.config.kafkaTopicPrefix}${SAGA_REQUESTS_TOPIC.name}`;

  const deadLetterOf = async (sagaId: string) =>
    (
      (await orchestrator.app
        .get(DataSource)
        .query(`SELECT "error" FROM "dead_letters" WHERE "value" LIKE $1`, [`%${sagaId}%`])) as {
        error: string;
      }[]
    ).map((row) => row.error);

  /** The first command saga `sagaId` sent, once the test's participants have it. */
  const firstCommandOf = async (sagaId: string): Promise<SagaCommand> =>
    (await eventuallyValue(
      `the first command of ${sagaId}`,
      () => lastCommand.get(sagaId),
      (sent) => sent !== undefined,
    )) as SagaCommand;

  /**
   * Puts the step saga `sagaId` waits on past its deadline (`ago`), as a participant silent
   * for the whole step timeout would; the deadline it now has. The steps' timeout is the
   * default, which a busy machine's slow answers stay well within: only the step a test
   * means to time out does. Works while no orchestrator runs, too.
   */
  const overdue = async (sagaId: string, ago = '1 second'): Promise<Date> => {
    const client = new Client({ connectionString: orchestrator.database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ deadline: Date }>(
        `UPDATE "${orchestrator.config.databaseSchema}"."sagas"
            SET "deadline" = now() - $2::interval
          WHERE "id" = $1 AND "status" = 'running' AND "deadline" IS NOT NULL
         RETURNING "deadline"`,
        [sagaId, ago],
      );
      const [row] = rows;
      if (row === undefined) throw new Error(`saga ${sagaId} is not waiting on a step`);
      return row.deadline;
    } finally {
      await client.end();
    }
  };

  const finished = async (sagaId: string): Promise<SagaRecord> => {
    const repository = (restarted ?? orchestrator).app.get(DataSource).getRepository(SagaRecord);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const record = await repository.findOneBy({ id: sagaId });
      if (record !== null && (record.status === 'completed' || record.status === 'compensated'))
        return record;
      if (Date.now() > deadline)
        throw new Error(`saga ${sagaId} did not finish: ${JSON.stringify(record)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  /**
   * Saga `sagaId` completed, its first step's reply applied after `deadline`: a step late
   * indeed (else the test shows nothing) and spared.
   */
  const expectCompletedAfter = async (sagaId: string, deadline: Date) => {
    const record = await finished(sagaId);
    expect(record.status).toBe('completed');
    const applied = record.history.find((entry) => entry.event === 'succeeded');
    expect(Date.parse(applied?.at ?? '')).toBeGreaterThan(deadline.getTime());
    expect(received.get(sagaId)).toEqual([
      'execute chat.create-profile',
      'execute auth.activate-user',
    ]);
  };

  beforeAll(async () => {
    orchestrator = await startTestService(sagaOrchestratorService);
    const kafka = orchestrator.app.get(KafkaConnection).kafka;
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const admin = orchestrator.app.get(KafkaConnection);
    await ensureTopics(
      await admin.connectedAdmin(),
      Object.values(SAGA_COMMAND_TOPICS).map((topic) =>
        prefixedTopic(topic, orchestrator.config.kafkaTopicPrefix),
      ),
    );
    participants = kafka.consumer({
      groupId: `test-participants-${randomUUID()}`,
      maxWaitTimeInMs: 200,
    });
    await participants.connect();
    await participants.subscribe({
      topics: Object.values(SAGA_COMMAND_TOPICS).map(
        (topic) => `${orchestrator.config.kafkaTopicPrefix}${topic.name}`,
      ),
      fromBeginning: true,
    });
    // A command must not wait for this group to form, nor be read before it has.
    const joined = new Promise<void>((resolve) => {
      const stopListening = participants.on(participants.events.GROUP_JOIN, () => {
        stopListening();
        resolve();
      });
    });
    await participants.run({
      eachMessage: async ({ message }) => {
        const command = (JSON.parse(String(message.value)) as { data: SagaCommand }).data;
        const script = scripts.get(command.sagaId);
        if (script === undefined) return; // another run's saga
        lastCommand.set(command.sagaId, command);
        received.set(command.sagaId, [
          ...(received.get(command.sagaId) ?? []),
          `${command.kind} ${command.name}`,
        ]);
        const behaviour =
          command.kind === 'compensate' ? 'succeed' : (script[command.name] ?? 'succeed');
        if (behaviour !== 'ignore')
          await answer(command, behaviour === 'succeed' ? 'succeeded' : 'failed');
      },
    });
    await joined;
  });

  afterAll(async () => {
    await participants?.disconnect();
    await producer?.disconnect();
    if (restarted === undefined) await orchestrator?.close();
    else {
      await restarted.app.close();
      await orchestrator.database.drop();
    }
  });

  it('runs a signup to completion, once even when asked twice', async () => {
    const sagaId = randomUUID();
    await request(sagaId, {});
    await request(sagaId, {});
    expect((await finished(sagaId)).status).toBe('completed');
    expect(received.get(sagaId)).toEqual([
      'execute chat.create-profile',
      'execute auth.activate-user',
    ]);
  });

  it('undoes the done steps in reverse when a step fails', async () => {
    const sagaId = randomUUID();
    await request(sagaId, { 'auth.activate-user': 'fail' });
    const record = await finished(sagaId);
    expect(record).toMatchObject({ status: 'compensated', failure: 'the participant said no' });
    expect(received.get(sagaId)).toEqual([
      'execute chat.create-profile',
      'execute auth.activate-user',
      'compensate chat.delete-profile',
      'compensate auth.discard-pending-user',
    ]);
  });

  it('times out a step that never answers and undoes it with the ones before', async () => {
    const sagaId = randomUUID();
    await request(sagaId, { 'chat.create-profile': 'ignore' });
    await firstCommandOf(sagaId);
    await overdue(sagaId);
    const record = await finished(sagaId);
    expect(record).toMatchObject({
      status: 'compensated',
      failure: 'create-chat-profile timed out',
    });
    expect(received.get(sagaId)).toEqual([
      'execute chat.create-profile',
      'compensate chat.delete-profile',
      'compensate auth.discard-pending-user',
    ]);
    expect(record.history.map((entry) => entry.event)).toContain('timed-out');
  });

  it('keeps a request for a saga type it does not know in dead_letters, and runs the next', async () => {
    const dataSource = orchestrator.app.get(DataSource);
    const unknownId = randomUUID();
    await request(unknownId, {}, 'not-a-saga');
    const sagaId = randomUUID();
    await request(sagaId, {});

    expect(await finished(sagaId)).toMatchObject({ status: 'completed' });
    await eventually('the unknown request kept', async () => {
      const kept = (await dataSource.query(
        `SELECT "error" FROM "dead_letters" WHERE "value" LIKE $1`,
        [`%${unknownId}%`],
      )) as { error: string }[];
      return kept.length === 1 && kept[0]?.error === 'unknown saga type not-a-saga';
    });
    expect(await dataSource.getRepository(SagaRecord).findOneBy({ id: unknownId })).toBeNull();
  });

  it("keeps a request whose payload is not its saga type's in dead_letters, starts nothing, and runs the next", async () => {
    const malformed = randomUUID();
    // A signup without a user to undo: its undo would fail for ever.
    await request(malformed, {}, 'signup', {});
    const sagaId = randomUUID();
    await request(sagaId, {});

    expect(await finished(sagaId)).toMatchObject({ status: 'completed' });
    const [kept] = await eventuallyValue(
      'the malformed request kept',
      () => deadLetterOf(malformed),
      (errors) => errors.length === 1,
    );
    expect(kept).toMatch(/^malformed saga payload signup: userId must be a UUID; username must be/);
    expect(
      await orchestrator.app.get(DataSource).getRepository(SagaRecord).findOneBy({ id: malformed }),
    ).toBeNull();
    expect(received.get(malformed)).toBeUndefined();
  });

  it('keeps a saga.start read on saga.replies in dead_letters, and starts nothing', async () => {
    const sagaId = randomUUID();
    await producer.send({
      topic: `${orchestrator.config.kafkaTopicPrefix}${SAGA_REPLIES_TOPIC.name}`,
      messages: [
        {
          key: sagaId,
          value: envelope(SAGA_EVENT_TYPES.start, {
            sagaId,
            sagaType: 'signup',
            payload: signupPayload(),
          }),
        },
      ],
    });
    const [kept] = await eventuallyValue(
      'the strayed request kept',
      () => deadLetterOf(sagaId),
      (errors) => errors.length === 1,
    );
    expect(kept).toBe('event type saga.start does not travel on saga.replies');
    // Nor do the kept requests' runs start it: they take those read on saga.requests.
    await orchestrator.app.get(KeptSagaRequests).startKept();
    expect(await deadLetterOf(sagaId)).toEqual([kept]);
    expect(
      await orchestrator.app.get(DataSource).getRepository(SagaRecord).findOneBy({ id: sagaId }),
    ).toBeNull();
  });

  it('keeps a request whose payload is larger than a saga may carry in dead_letters, starts nothing, and runs the next', async () => {
    // Valid for its type, the extra field kept for the steps: every command would carry
    // it, and one over the broker's limit would stop the outbox, every saga behind it.
    const large = randomUUID();
    await request(large, {}, 'signup', { ...signupPayload(), note: 'n'.repeat(70_000) });
    const sagaId = randomUUID();
    await request(sagaId, {});

    expect(await finished(sagaId)).toMatchObject({ status: 'completed' });
    const [kept] = await eventuallyValue(
      'the large request kept',
      () => deadLetterOf(large),
      (errors) => errors.length === 1,
    );
    expect(kept).toMatch(
      /^malformed saga payload signup: \d+ bytes as JSON, more than the 65536 a saga's payload may take$/,
    );
    expect(
      await orchestrator.app.get(DataSource).getRepository(SagaRecord).findOneBy({ id: large }),
    ).toBeNull();
    expect(received.get(large)).toBeUndefined();
  });

  /**
   * A room saga whose first step, never answered by the test's participants, gets
   * `answer` from a participant instead: what the orchestrator kept in dead_letters.
   */
  const keptReplyToARoomSaga = async (answer: Omit<SagaReply, 'sagaId' | 'commandId'>) => {
    const sagaId = randomUUID();
    const payload = { roomId: randomUUID(), kind: 'room', userIds: [randomUUID()] };
    await request(sagaId, { 'auth.check-users-active': 'ignore' }, 'room', payload);
    const command = await firstCommandOf(sagaId);
    await sendReply({ sagaId, commandId: command.commandId, ...answer });
    const [error] = await eventuallyValue(
      'the reply kept in dead_letters',
      () => deadLetterOf(sagaId),
      (errors) => errors.length > 0,
    );
    return { sagaId, payload, command, error };
  };

  it("keeps a reply whose data would make the saga's payload larger than it may be in dead_letters, the payload unchanged", async () => {
    const { sagaId, payload, command, error } = await keptReplyToARoomSaga({
      outcome: 'succeeded',
      data: { note: 'n'.repeat(70_000) },
    });
    expect(error).toMatch(
      /a reply's data would make the room saga's payload malformed: \d+ bytes as JSON, more than the 65536/,
    );
    const record = await orchestrator.app
      .get(DataSource)
      .getRepository(SagaRecord)
      .findOneByOrFail({ id: sagaId });
    // Not advanced past the step the reply answered, nor the payload grown.
    expect(record).toMatchObject({ status: 'running', payload });
    expect(lastCommand.get(sagaId)?.commandId).toBe(command.commandId);
  });

  it("keeps a reply whose data would make the saga's payload malformed in dead_letters, and times its step out", async () => {
    const { sagaId, payload, error } = await keptReplyToARoomSaga({
      outcome: 'failed',
      reason: 'not active',
      data: { inactiveUserIds: ['not-a-uuid'] },
    });
    expect(error).toContain("a reply's data would make the room saga's payload malformed");
    await overdue(sagaId);
    const record = await finished(sagaId);
    expect(record).toMatchObject({
      status: 'compensated',
      failure: 'check-users-active timed out',
    });
    expect(received.get(sagaId)).toEqual([
      'execute auth.check-users-active',
      'compensate chat.cancel-room',
    ]);
    // The undo has the payload the saga started with.
    expect(lastCommand.get(sagaId)?.payload).toEqual(payload);
  });

  it('starts a request an earlier release kept for a type it did not know, once, and keeps the still unknown', async () => {
    const dataSource = orchestrator.app.get(DataSource);
    const sagaId = randomUUID();
    scripts.set(sagaId, {});
    const keep = (value: string, error: string) =>
      dataSource.query(
        `INSERT INTO "dead_letters"
           ("consumer", "topic", "partition", "offset", "event_id", "type", "value", "error")
         VALUES ('orchestrator', $5, 0, '1', $1, $2, $3, $4)`,
        [randomUUID(), SAGA_EVENT_TYPES.start, Buffer.from(value), error, requestsTopic()],
      );
    // As a release that did not run signups kept it, beside one no release runs.
    await keep(
      envelope(SAGA_EVENT_TYPES.start, { sagaId: randomUUID(), sagaType: 'not-yet', payload: {} }),
      'unknown saga type not-yet',
    );
    // Its payload that type's but for a NUL, which PostgreSQL's jsonb refuses (the schema
    // refuses it since 2026-12-07): kept for that reason, and the ones after it still start.
    const unstorable = randomUUID();
    await keep(
      envelope(SAGA_EVENT_TYPES.start, {
        sagaId: unstorable,
        sagaType: 'signup',
        payload: { ...signupPayload(), displayName: 'A\u0000nn' },
      }),
      'unknown saga type signup',
    );
    await keep(
      envelope(SAGA_EVENT_TYPES.start, { sagaId, sagaType: 'signup', payload: signupPayload() }),
      'unknown saga type signup',
    );
    // Of a type it runs now, but not that type's payload: kept, for that reason now.
    const malformed = randomUUID();
    await keep(
      envelope(SAGA_EVENT_TYPES.start, { sagaId: malformed, sagaType: 'signup', payload: {} }),
      'unknown saga type signup',
    );
    const kept = orchestrator.app.get(KeptSagaRequests);

    // Two instances starting at once: the saga starts once (the commands below say so;
    // the service's own minutely run may be the one that started it).
    const started = await Promise.all([kept.startKept(), kept.startKept()]);
    expect(started[0] + started[1]).toBeLessThanOrEqual(1);
    expect(await finished(sagaId)).toMatchObject({ status: 'completed' });
    expect(received.get(sagaId)).toEqual([
      'execute chat.create-profile',
      'execute auth.activate-user',
    ]);
    const left = (await dataSource.query(
      `SELECT "error" FROM "dead_letters" WHERE "error" IN ($1, $2)`,
      ['unknown saga type signup', 'unknown saga type not-yet'],
    )) as { error: string }[];
    expect(left).toEqual([{ error: 'unknown saga type not-yet' }]);
    expect(await deadLetterOf(malformed)).toEqual([
      expect.stringMatching(/^malformed saga payload signup: userId must be a UUID/),
    ]);
    expect(await deadLetterOf(unstorable)).toEqual([
      'cannot start: not a saga request: data holds text with U+0000 (NUL)',
    ]);
  });

  it('starts a request kept after its start failed five times, once what failed it passed', async () => {
    const dataSource = orchestrator.app.get(DataSource);
    const sagaId = randomUUID();
    scripts.set(sagaId, {});
    // As the consumer keeps a request whose start failed five times for a reason not known
    // to pass (a grant missing while a deploy is under way): before, it stayed kept for
    // good, and its requester (an account `deleting`, a member `pending`) waited for good.
    await dataSource.query(
      `INSERT INTO "dead_letters"
         ("consumer", "topic", "partition", "offset", "event_id", "type", "value", "error")
       VALUES ('orchestrator', $5, 0, '2', $1, $2, $3, $4)`,
      [
        randomUUID(),
        SAGA_EVENT_TYPES.start,
        Buffer.from(
          envelope(SAGA_EVENT_TYPES.start, {
            sagaId,
            sagaType: 'signup',
            payload: signupPayload(),
          }),
        ),
        'permission denied for table sagas',
        requestsTopic(),
      ],
    );
    await orchestrator.app.get(KeptSagaRequests).startKept();
    expect(await finished(sagaId)).toMatchObject({ status: 'completed' });
    expect(received.get(sagaId)).toEqual([
      'execute chat.create-profile',
      'execute auth.activate-user',
    ]);
    expect(await deadLetterOf(sagaId)).toEqual([]);
  });

  it('times out the other sagas when one it cannot run is due, and takes that one off the sweep', async () => {
    const repository = orchestrator.app.get(DataSource).getRepository(SagaRecord);
    // As a deploy that removed a saga type (or a step) leaves a saga of it running.
    const unknown = { id: randomUUID(), type: 'gone' };
    const stepGone = { id: randomUUID(), type: 'signup' };
    for (const { id, type } of [unknown, stepGone])
      await repository.insert({
        id,
        type,
        status: 'running',
        step: type === 'gone' ? 0 : 99,
        attempt: 1,
        payload: {},
        deadline: new Date(Date.now() - 60_000),
        history: [],
      });
    const sagaId = randomUUID();
    await request(sagaId, { 'chat.create-profile': 'ignore' });
    await firstCommandOf(sagaId);
    await overdue(sagaId);

    expect(await finished(sagaId)).toMatchObject({
      status: 'compensated',
      failure: 'create-chat-profile timed out',
    });
    for (const { id } of [unknown, stepGone])
      expect(await repository.findOneByOrFail({ id })).toMatchObject({
        status: 'running',
        deadline: null,
      });
  });

  it("times out its own overdue sagas however many earlier ones wait on another member's partitions", async () => {
    const { kafkaBrokers, kafkaGroupPrefix, kafkaTopicPrefix } = orchestrator.config;
    const { held, member } = await joinAMember(
      kafkaBrokers,
      `${kafkaGroupPrefix}.orchestrator`,
      [SAGA_REQUESTS_TOPIC, SAGA_REPLIES_TOPIC].map((topic) => `${kafkaTopicPrefix}${topic.name}`),
    );
    const repository = orchestrator.app.get(DataSource).getRepository(SagaRecord);
    const theirs: string[] = [];
    try {
      const memberReads = held[`${kafkaTopicPrefix}${SAGA_REPLIES_TOPIC.name}`] ?? [];
      const partitionFor = (reader: 'member' | 'orchestrator') => {
        let id: string;
        do id = randomUUID();
        while (
          memberReads.includes(replyPartitionOf(id, SAGA_REPLIES_TOPIC.partitions)) !==
          (reader === 'member')
        );
        return id;
      };
      // A signup waiting on its profile, past the step's deadline, as the sweep finds one.
      const waiting = (id: string, overdueMs: number) => ({
        id,
        type: 'signup',
        status: 'running' as const,
        step: 1,
        attempt: 1,
        payload: { userId: randomUUID() },
        deadline: new Date(Date.now() - overdueMs),
        history: [],
      });
      // More than a sweep takes, earlier than ours, their replies on the member's partition:
      // not this instance's to time out until their grace has passed.
      for (let index = 0; index < 60; index += 1) theirs.push(partitionFor('member'));
      await repository.insert(theirs.map((id) => waiting(id, 5_000)));
      const ours = partitionFor('orchestrator');
      scripts.set(ours, {});
      await repository.insert(waiting(ours, 1_000));

      expect(await finished(ours)).toMatchObject({
        status: 'compensated',
        failure: 'create-chat-profile timed out',
      });
      const untouched = await repository.findBy({ id: In(theirs), status: 'running', step: 1 });
      expect(untouched).toHaveLength(theirs.length);
    } finally {
      await stop(member, 'SIGTERM');
      await repository.delete({ id: In(theirs) });
    }
  });

  // Last: it stops the suite's orchestrator and leaves a restarted one.
  it("leaves alone a step whose reply waits on a dead member's partition until it is read", async () => {
    // A second member joins the group, takes part of its partitions and dies with them:
    // the broker keeps them its own until its 6 s session times out.
    const { kafkaBrokers, kafkaGroupPrefix, kafkaTopicPrefix } = orchestrator.config;
    const [requests, replies] = [SAGA_REQUESTS_TOPIC, SAGA_REPLIES_TOPIC].map(
      (topic) => `${kafkaTopicPrefix}${topic.name}`,
    ) as [string, string];
    const held = await leaveAMemberThatDied(kafkaBrokers, `${kafkaGroupPrefix}.orchestrator`, [
      requests,
      replies,
    ]);
    // A saga whose request the living instance reads, and whose replies the dead one held.
    const partition = [0, 1, 2].find(
      (index) => !held[requests]?.includes(index) && held[replies]?.includes(index),
    );
    if (partition === undefined)
      throw new Error(`no partition to test with: ${JSON.stringify(held)}`);
    let sagaId: string;
    do sagaId = randomUUID();
    while (replyPartitionOf(sagaId, SAGA_REPLIES_TOPIC.partitions) !== partition);
    await request(sagaId, { 'chat.create-profile': 'ignore' });
    const command = await firstCommandOf(sagaId);
    // The participant answers in time; the reply waits where nobody reads, past the step's
    // deadline, until the dead member's session ends and the partition moves.
    const deadline = await overdue(sagaId);
    await answer(command, 'succeeded');

    await expectCompletedAfter(sagaId, deadline);
  });

  it('applies a reply sent in time that waits unread behind a backlog, rather than timing its step out', async () => {
    const sagaId = randomUUID();
    await request(sagaId, { 'chat.create-profile': 'ignore' });
    const command = await firstCommandOf(sagaId);
    // Replies of sagas it does not know (each read in a transaction of its own), ahead of
    // this saga's on its partition: a burst the orchestrator takes seconds to read.
    const partition = replyPartitionOf(sagaId, SAGA_REPLIES_TOPIC.partitions);
    const backlog = Array.from({ length: 1_500 }, () => {
      let key: string;
      do key = randomUUID();
      while (replyPartitionOf(key, SAGA_REPLIES_TOPIC.partitions) !== partition);
      const reply: SagaReply = { sagaId: key, commandId: `${key}:0:execute`, outcome: 'succeeded' };
      return { key, value: envelope(SAGA_EVENT_TYPES.reply, reply) };
    });
    const replies = `${orchestrator.config.kafkaTopicPrefix}${SAGA_REPLIES_TOPIC.name}`;
    await producer.send({ topic: replies, messages: backlog });
    await answer(command, 'succeeded');
    // The deadline passes (now: after the reply was sent) while the reply is behind the
    // backlog.
    const deadline = await overdue(sagaId, '0 seconds');

    await expectCompletedAfter(sagaId, deadline);
  });

  it('applies a reply that came while no orchestrator ran, rather than timing its step out', async () => {
    const sagaId = randomUUID();
    await request(sagaId, { 'chat.create-profile': 'ignore' });
    const command = await firstCommandOf(sagaId);
    const record = await orchestrator.app
      .get(DataSource)
      .getRepository(SagaRecord)
      .findOneByOrFail({ id: sagaId });
    const deadline = record.deadline?.getTime() ?? Number.NaN;
    expect(deadline).toBeGreaterThan(Date.now() - 60_000);

    await orchestrator.app.close();
    const { kafkaBrokers, kafkaGroupPrefix, kafkaTopicPrefix } = orchestrator.config;
    await leaveAMemberThatDied(kafkaBrokers, `${kafkaGroupPrefix}.orchestrator`, [
      `${kafkaTopicPrefix}${SAGA_REQUESTS_TOPIC.name}`,
      `${kafkaTopicPrefix}${SAGA_REPLIES_TOPIC.name}`,
    ]);
    // The participant answers in time; no orchestrator reads it before the deadline.
    await answer(command, 'succeeded');
    await overdue(sagaId);
    await producer.send({
      topic: `${kafkaTopicPrefix}${AUTH_LOGINS_TOPIC.name}`,
      messages: [
        {
          key: randomUUID(),
          value: envelope(LOGIN_REVOKED, {
            userId: randomUUID(),
            familyId: randomUUID(),
            reason: 'logout',
          }),
        },
      ],
    });
    restarted = await startAnotherInstance(sagaOrchestratorService, orchestrator);

    expect((await finished(sagaId)).status).toBe('completed');
    expect(received.get(sagaId)).toEqual([
      'execute chat.create-profile',
      'execute auth.activate-user',
    ]);
    // It reads login revocations only from when it joined: one announced while it was
    // away is not for it, and must not hold its timeouts back.
    const late = randomUUID();
    await request(late, { 'chat.create-profile': 'ignore' });
    await firstCommandOf(late);
    await overdue(late);
    expect((await finished(late)).status).toBe('compensated');
  });
});
