import { sagaCommandId, type SagaCommand, type SagaReply } from '@scale-chat/contracts';
import type { SagaDefinition, SagaStep } from './saga-definition';

export type SagaStatus = 'running' | 'compensating' | 'completed' | 'compensated';

export interface SagaHistoryEntry {
  readonly at: string;
  readonly step: string;
  readonly event:
    'sent' | 'succeeded' | 'failed' | 'timed-out' | 'retried' | 'completed' | 'compensated';
  readonly detail?: string;
}

/** Everything the orchestrator persists about one saga. */
export interface SagaState {
  readonly id: string;
  readonly type: string;
  readonly status: SagaStatus;
  /** The step whose command (or compensation) is in flight; meaningless once finished. */
  readonly step: number;
  /** How many times the command in flight was sent (compensations are sent until they succeed). */
  readonly attempt: number;
  readonly payload: Readonly<Record<string, unknown>>;
  /** Epoch ms by which the step in flight must answer; null once finished. */
  readonly deadline: number | null;
  readonly failure?: string;
  readonly history: readonly SagaHistoryEntry[];
}

export interface Transition {
  readonly state: SagaState;
  /** Commands to send, in the same transaction that stores `state` (outbox). */
  readonly commands: readonly SagaCommand[];
}

const isFinished = (status: SagaStatus) => status === 'completed' || status === 'compensated';

/**
 * The orchestration of one saga as a pure function of its state and what happens to it.
 * Steps run in order; when one fails, the steps done before it are undone in reverse
 * order; when one times out, it is undone too (it may have happened), and so are those
 * before it. A compensation that fails or times out is sent again until it succeeds:
 * participants make every compensation idempotent. Replies that do not answer the
 * command in flight (late, repeated, for a finished saga) change nothing.
 */
export class SagaEngine {
  constructor(private readonly definition: SagaDefinition) {}

  start(id: string, payload: Readonly<Record<string, unknown>>, now: number): Transition {
    const first = this.definition.steps.findIndex((step) => step.command !== undefined);
    const initial: SagaState = {
      id,
      type: this.definition.type,
      status: 'running',
      step: first,
      attempt: 0,
      payload,
      deadline: null,
      history: [],
    };
    return this.send(initial, first, 'execute', now);
  }

  onReply(state: SagaState, reply: SagaReply, now: number): Transition {
    if (isFinished(state.status)) return unchanged(state);
    const kind = state.status === 'running' ? 'execute' : 'compensate';
    if (
      reply.sagaId !== state.id ||
      reply.commandId !== sagaCommandId(state.id, state.step, kind)
    ) {
      return unchanged(state);
    }
    const step = this.stepAt(state.step);
    const payload = { ...state.payload, ...(reply.data ?? {}) };
    if (reply.outcome === 'succeeded') {
      const noted = note({ ...state, payload }, step, 'succeeded', now);
      return kind === 'execute'
        ? this.advance(noted, state.step + 1, now)
        : this.compensateFrom(noted, state.step - 1, now);
    }
    const noted = note(
      { ...state, payload, failure: state.failure ?? reply.reason ?? 'failed' },
      step,
      'failed',
      now,
      reply.reason,
    );
    // The failed step changed nothing (its participant rolled back): undo the ones before.
    if (kind === 'execute') return this.compensateFrom(noted, state.step - 1, now);
    // An undo must happen, so it is sent again, but not at once: a participant that
    // refuses it now is given longer each time (the sweep sends it when the wait is over).
    return unchanged({ ...noted, deadline: now + retryDelayMs(state.attempt) });
  }

  onTimeout(state: SagaState, now: number): Transition {
    if (isFinished(state.status) || state.deadline === null || now < state.deadline)
      return unchanged(state);
    const step = this.stepAt(state.step);
    // The wait after a refused undo is over: not a timeout, its time to go again.
    if (state.history.at(-1)?.event === 'failed')
      return this.send(state, state.step, 'compensate', now, true);
    const noted = note(
      { ...state, failure: state.failure ?? `${step.name} timed out` },
      step,
      'timed-out',
      now,
    );
    if (state.status === 'compensating' || step.onTimeout === 'retry')
      return this.send(
        noted,
        state.step,
        state.status === 'running' ? 'execute' : 'compensate',
        now,
        true,
      );
    // A step that did not answer may still have happened: undo it as well.
    return this.compensateFrom(noted, state.step, now);
  }

  private advance(state: SagaState, next: number, now: number): Transition {
    if (next >= this.definition.steps.length) {
      return unchanged(
        note({ ...state, status: 'completed', deadline: null }, undefined, 'completed', now),
      );
    }
    return this.send({ ...state, status: 'running' }, next, 'execute', now);
  }

  /** Undoes step `from` and every step before it that has an undo, latest first. */
  private compensateFrom(state: SagaState, from: number, now: number): Transition {
    let index = from;
    while (index >= 0 && this.stepAt(index).compensation === undefined) index -= 1;
    if (index < 0) {
      return unchanged(
        note({ ...state, status: 'compensated', deadline: null }, undefined, 'compensated', now),
      );
    }
    return this.send({ ...state, status: 'compensating' }, index, 'compensate', now);
  }

  /** Sends the step's command or its undo; `again` when the same one is sent once more. */
  private send(
    state: SagaState,
    index: number,
    kind: SagaCommand['kind'],
    now: number,
    again = false,
  ): Transition {
    const step = this.stepAt(index);
    const name = kind === 'execute' ? step.command : step.compensation;
    if (name === undefined) throw new Error(`step ${step.name} has no ${kind} command`);
    const attempt = again ? state.attempt + 1 : 1;
    const next: SagaState = note(
      { ...state, step: index, attempt, deadline: now + answerWaitMs(step.timeoutMs, attempt) },
      step,
      again ? 'retried' : 'sent',
      now,
      `${kind} ${name}`,
    );
    const command: SagaCommand = {
      sagaId: state.id,
      commandId: sagaCommandId(state.id, index, kind),
      sagaType: state.type,
      kind,
      participant: step.participant,
      name,
      payload: state.payload,
    };
    return { state: next, commands: [command] };
  }

  private stepAt(index: number): SagaStep {
    const step = this.definition.steps[index];
    if (step === undefined) throw new Error(`saga ${this.definition.type} has no step ${index}`);
    return step;
  }
}

/**
 * How long try `attempt` of a command waits for its answer: the step's timeout, doubling
 * with each try after the first, at most five minutes (or the step's timeout if longer).
 * A participant that is down gets its commands when it is back, copies and all; each copy
 * is read and answered then, so a step retried every 10 s through an hour's outage would
 * leave 360 of them (and two history lines each); doubling leaves about 15.
 */
export function answerWaitMs(stepTimeoutMs: number, attempt: number): number {
  return Math.min(
    stepTimeoutMs * 2 ** Math.max(0, attempt - 1),
    Math.max(stepTimeoutMs, MAX_ANSWER_WAIT_MS),
  );
}

const MAX_ANSWER_WAIT_MS = 5 * 60_000;

/** How long a refused undo waits before it is sent again: 1 s, doubling, at most a minute. */
export function retryDelayMs(attempt: number): number {
  return Math.min(1_000 * 2 ** Math.max(0, attempt - 1), 60_000);
}

function unchanged(state: SagaState): Transition {
  return { state, commands: [] };
}

function note(
  state: SagaState,
  step: SagaStep | undefined,
  event: SagaHistoryEntry['event'],
  now: number,
  detail?: string,
): SagaState {
  const entry: SagaHistoryEntry = {
    at: new Date(now).toISOString(),
    step: step?.name ?? state.type,
    event,
    ...(detail === undefined ? {} : { detail }),
  };
  return { ...state, history: [...state.history, entry] };
}
