import {
  SAGA_COMMAND_TOPICS,
  SAGA_EVENT_TYPES,
  SAGA_REPLIES_TOPIC,
  type SagaCommand,
  type SagaReply,
} from '@scale-chat/contracts';
import { EVENT_SCHEMAS } from '@scale-chat/contracts/events';
import type { EntityManager } from 'typeorm';
import { isTransientDatabaseError, sqlStateOf } from '../database/transient-error';
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
 * Runs a handler under a savepoint. A statement the database refuses for good (a
 * constraint, a check, a trigger) undoes the handler's work and fails the step, so the
 * saga compensates now instead of timing out; anything else (a conflict, a lost
 * connection, a bug) is thrown, and the command is delivered again.
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
    if (sqlStateOf(error) === undefined || isTransientDatabaseError(error)) throw error;
    await manager.query('ROLLBACK TO SAVEPOINT saga_command');
    return { outcome: 'failed', reason: `refused by the database: ${(error as Error).message}` };
  }
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
 * not at all. Handlers are idempotent: the orchestrator sends a compensation again until
 * it hears it succeeded.
 */
export async function answerSagaCommand(
  handlers: CommandHandlers,
  command: SagaCommand,
  { manager, event: { logger } }: KafkaEventContext,
): Promise<void> {
  // Own keys only: a command named `constructor` is unknown, not Object's.
  const handler = Object.hasOwn(handlers, command.name) ? handlers[command.name] : undefined;
  const outcome: CommandOutcome =
    handler === undefined
      ? { outcome: 'failed', reason: `unknown command ${command.name}` }
      : await refusedAsFailure(manager, () => handler(command, manager));
  const reply: SagaReply = {
    sagaId: command.sagaId,
    commandId: command.commandId,
    outcome: outcome.outcome,
    ...(outcome.outcome === 'failed' ? { reason: outcome.reason } : {}),
    ...(outcome.data === undefined ? {} : { data: outcome.data }),
  };
  logger.info(
    {
      sagaId: command.sagaId,
      command: command.name,
      kind: command.kind,
      outcome: outcome.outcome,
      ...(outcome.outcome === 'failed' ? { reason: outcome.reason } : {}),
    },
    'saga command handled',
  );
  await enqueueEvent(manager, {
    topic: SAGA_REPLIES_TOPIC,
    key: command.sagaId,
    type: SAGA_EVENT_TYPES.reply,
    data: reply,
  });
}
