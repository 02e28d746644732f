import {
  SAGA_COMMAND_TOPICS,
  SAGA_EVENT_TYPES,
  SAGA_REPLIES_TOPIC,
  stepCommandIdOf,
  SAGA_TYPES_OF_COMMAND,
  type SagaCommand,
  type SagaCommandName,
  type SagaCommandPayload,
  type SagaReply,
  type SagaType,
} from '@scale-chat/contracts';
import { EVENT_SCHEMAS, SAGA_PAYLOAD_SCHEMAS } from '@scale-chat/contracts/events';
import type { EntityManager } from 'typeorm';
import { isRefusedForGood } from '../database/transient-error';
import { consumerGroup, OnEvent, type ConsumerGroup, type KafkaEventContext } from './event-routes';
import { enqueueEvent } from './outbox';

/** What a participant's handler decides; the reply says it. */
export type CommandOutcome =
  | { readonly outcome: 'succeeded'; readonly data?: Readonly<Record<string, unknown>> }
  | {
      readonly outcome: 'failed';
      readonly reason: string;
      readonly data?: Readonly<Record<string, unknown>>;
    };

export type CommandHandler = (
  command: SagaCommand,
  manager: EntityManager,
) => Promise<CommandOutcome>;

export type ParticipantName = keyof typeof SAGA_COMMAND_TOPICS;

/**
 * Runs a handler under a savepoint. A statement the database refuses for good (bad data,
 * a constraint, a check, a trigger: `isRefusedForGood`) undoes the handler's work and
 * fails the step, so the saga compensates now instead of timing out; anything else (a
 * conflict, a lost connection, a table a deploy has not made yet, a bug) is thrown, and
 * the command is delivered again.
 */
async function refusedAsFailure(
  manager: EntityManager,
  run: () => Promise<CommandOutcome>,
): Promise<CommandOutcome> {
  await manager.query('SAVEPOINT saga_command');
  try {
    const outcome = await run();
    await manager.query('RELEASE SAVEPOINT saga_command');
    return outcome;
  } catch (error) {
    if (!isRefusedForGood(error)) throw error;
    await manager.query('ROLLBACK TO SAVEPOINT saga_command');
    return { outcome: 'failed', reason: `refused by the database: ${(error as Error).message}` };
  }
}

/** A participant's step for command `C`, given the command's payload as checked. */
export type SagaStep<C extends SagaCommandName> = (
  payload: SagaCommandPayload<C>,
  manager: EntityManager,
  command: SagaCommand,
) => Promise<CommandOutcome>;

/**
 * A participant's handlers from its steps by command name, each given its payload as
 * checked against the schema of its saga's type (`SAGA_PAYLOAD_SCHEMAS`: ids lower-cased,
 * fields of other types dropped). A command sent by a saga of a type that does not send it
 * (`SAGA_TYPES_OF_COMMAND`), or whose payload is not its type's (the orchestrator checks
 * what starts a saga, but a reply's facts join the payload too), fails the step and runs
 * nothing.
 */
export function sagaStepHandlers(steps: {
  readonly [C in SagaCommandName]?: SagaStep<C>;
}): CommandHandlers {
  return Object.fromEntries(
    Object.entries(steps).map(([name, step]) => [
      name,
      forSagaPayload(name as SagaCommandName, step as SagaStep<SagaCommandName>),
    ]),
  );
}

function forSagaPayload<C extends SagaCommandName>(name: C, handle: SagaStep<C>): CommandHandler {
  const types: readonly SagaType[] = SAGA_TYPES_OF_COMMAND[name];
  return (command, manager) => {
    const type = types.find((candidate) => candidate === command.sagaType);
    if (type === undefined)
      return Promise.resolve({
        outcome: 'failed',
        reason: `${name} is not a step of ${command.sagaType} sagas`,
      });
    let payload: SagaCommandPayload<C>;
    try {
      payload = SAGA_PAYLOAD_SCHEMAS[type](command.payload) as SagaCommandPayload<C>;
    } catch (error) {
      return Promise.resolve({
        outcome: 'failed',
        reason: `malformed ${type} saga payload: ${(error as Error).message}`,
      });
    }
    return handle(payload, manager, command);
  };
}

/** By command name; each idempotent, each run in the transaction that writes the reply. */
export type CommandHandlers = Readonly<Record<string, CommandHandler>>;

/** The consumer group of each participant's commands: one group for all its instances. */
const PARTICIPANT_GROUPS = Object.fromEntries(
  Object.entries(SAGA_COMMAND_TOPICS).map(([participant, topic]) => [
    participant,
    consumerGroup({ name: 'saga-participant', topics: [topic] }),
  ]),
) as Readonly<Record<ParticipantName, ConsumerGroup>>;

/**
 * The method answers the saga commands sent to `participant`; its body is usually
 * `answerSagaCommand(handlers, command, context)`.
 */
export function OnSagaCommand(participant: ParticipantName): MethodDecorator {
  return OnEvent(
    PARTICIPANT_GROUPS[participant],
    SAGA_EVENT_TYPES.command,
    EVENT_SCHEMAS[SAGA_EVENT_TYPES.command],
  );
}

/**
 * Runs the handler the command names and writes the reply to the outbox in the same
 * transaction as the handler's change, so the change and the answer happen together or
 * not at all.
 *
 * The orchestrator sends a command again, under the same `commandId`, when its answer is
 * late; each copy is a new event, so the consumer's repeat check does not catch it. The
 * answer is therefore kept by `commandId` (`saga_command_replies`), and a later copy gets
 * the same answer and runs nothing: a copy of a step queued behind one the database
 * refused must not act once the saga has undone the steps before it, nor a late copy of
 * an undo that succeeded once act on what happened since (a later saga on the same user).
 * The one exception is an undo that failed: the orchestrator sends it again until it
 * succeeds, so that copy runs. Handlers are idempotent all the same.
 */
export async function answerSagaCommand(
  handlers: CommandHandlers,
  command: SagaCommand,
  { manager, event: { logger } }: KafkaEventContext,
): Promise<void> {
  const fields = { sagaId: command.sagaId, command: command.name, kind: command.kind };
  const answered = await answerGivenBefore(manager, command);
  if (answered !== undefined) {
    logger.info(
      { ...fields, outcome: answered.outcome },
      'saga command answered before: the same answer again, nothing run',
    );
    await enqueueReply(manager, answered);
    return;
  }
  // Own keys only: a command named `constructor` is unknown, not Object's.
  const handler = Object.hasOwn(handlers, command.name) ? handlers[command.name] : undefined;
  const outcome: CommandOutcome =
    handler === undefined
      ? { outcome: 'failed', reason: `unknown command ${command.name}` }
      : await refusedAsFailure(manager, () => handler(command, manager));
  const reason = outcome.outcome === 'failed' ? { reason: outcome.reason } : {};
  const reply: SagaReply = {
    sagaId: command.sagaId,
    commandId: command.commandId,
    outcome: outcome.outcome,
    ...reason,
    ...(outcome.data === undefined ? {} : { data: outcome.data }),
  };
  logger.info({ ...fields, outcome: outcome.outcome, ...reason }, 'saga command handled');
  await manager.query(
    `INSERT INTO "saga_command_replies" ("command_id", "name", "reply") VALUES ($1, $2, $3)
     ON CONFLICT ("command_id") DO UPDATE
       SET "name" = EXCLUDED."name", "reply" = EXCLUDED."reply", "answered_at" = now()`,
    [command.commandId, command.name, reply],
  );
  if (command.kind === 'compensate' && outcome.outcome === 'succeeded')
    await fenceUndoneStep(manager, command);
  await enqueueReply(manager, reply);
}

/**
 * What `saga_command_replies` names an answer kept for a step that was undone before it
 * ran: it answers any copy of that step, whatever its command's name.
 */
const UNDONE_BEFORE_IT_RAN = '';

/**
 * An undo that succeeded answers its step's command too, unless that was answered: a copy
 * of the step that comes only now (a dead letter published again, which its partition's
 * order does not hold back) must not act after its undo (a chat profile of a signup that
 * was undone).
 */
async function fenceUndoneStep(manager: EntityManager, undo: SagaCommand): Promise<void> {
  const stepCommandId = stepCommandIdOf(undo.commandId);
  if (stepCommandId === undefined) return;
  const reply: SagaReply = {
    sagaId: undo.sagaId,
    commandId: stepCommandId,
    outcome: 'failed',
    reason: 'undone before it ran',
  };
  await manager.query(
    `INSERT INTO "saga_command_replies" ("command_id", "name", "reply") VALUES ($1, $2, $3)
     ON CONFLICT ("command_id") DO NOTHING`,
    [stepCommandId, UNDONE_BEFORE_IT_RAN, reply],
  );
}

/**
 * The answer an earlier copy of `command` got, if this copy is to get it again: any
 * answer to a step, a success of an undo (a failed undo runs again), and only for the
 * same command (a release that changed a saga's steps while it ran may send another
 * under the same step's id). Holds the command's lock (an undo's: its step's too) until
 * the transaction ends.
 */
async function answerGivenBefore(
  manager: EntityManager,
  command: SagaCommand,
): Promise<SagaReply | undefined> {
  // Copies of one command are taken one at a time, whichever instance has them (a key
  // of two numbers: apart from the one-number keys of the relays and migrations). An
  // undo also waits for a copy of its step under way (their records share a partition,
  // but one published again, or read by a member the group has evicted, may not): it
  // then undoes what that copy did, or the copy finds the step undone (`fenceUndoneStep`).
  // Undos take their own lock first, steps only theirs: no two wait on each other.
  const stepCommandId =
    command.kind === 'compensate' ? stepCommandIdOf(command.commandId) : undefined;
  for (const commandId of [command.commandId, stepCommandId])
    if (commandId !== undefined)
      await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        SAGA_COMMAND_LOCK_SPACE,
        commandId,
      ]);
  await forgetOldAnswers(manager);
  const [answered] = (await manager.query(
    `SELECT "name", "reply" FROM "saga_command_replies" WHERE "command_id" = $1`,
    [command.commandId],
  )) as { name: string; reply: SagaReply }[];
  if (answered === undefined) return undefined;
  if (answered.name !== command.name && answered.name !== UNDONE_BEFORE_IT_RAN) return undefined;
  return answered.reply.outcome === 'succeeded' || command.kind === 'execute'
    ? answered.reply
    : undefined;
}

/** The first number of the advisory lock on a command's id (any constant of this service's own). */
const SAGA_COMMAND_LOCK_SPACE = 0x5a6a;

/** How long an answer is kept: copies of a command are sent only while its step is in flight. */
const ANSWERS_KEPT_FOR = '7 days';
let answersForgottenAt = 0;

/**
 * Deletes up to 1,000 answers older than ANSWERS_KEPT_FOR; those another transaction holds
 * are left for next time (no waiting, no deadlock between two instances doing this).
 */
export async function forgetOldSagaAnswers(manager: EntityManager): Promise<number> {
  const [, deleted] = (await manager.query(
    `DELETE FROM "saga_command_replies" WHERE "command_id" IN (
       SELECT "command_id" FROM "saga_command_replies"
        WHERE "answered_at" < now() - $1::interval
        LIMIT 1000 FOR UPDATE SKIP LOCKED)`,
    [ANSWERS_KEPT_FOR],
  )) as [unknown, number];
  return deleted;
}

/** forgetOldSagaAnswers, at most once a minute per process. */
async function forgetOldAnswers(manager: EntityManager): Promise<void> {
  if (Date.now() - answersForgottenAt < 60_000) return;
  answersForgottenAt = Date.now();
  await forgetOldSagaAnswers(manager);
}

const enqueueReply = (manager: EntityManager, reply: SagaReply) =>
  enqueueEvent(manager, {
    topic: SAGA_REPLIES_TOPIC,
    key: reply.sagaId,
    type: SAGA_EVENT_TYPES.reply,
    data: reply,
  });
