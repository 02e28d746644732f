import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  prefixedTopic,
  sagaCommandTopic,
  SAGA_EVENT_TYPES,
  SAGA_PAYLOAD_BYTES_MAX,
  SAGA_REPLIES_TOPIC,
  type SagaCommand,
  type SagaReply,
  type SagaStartRequest,
} from '@scale-chat/contracts';
import { sagaPayloadSchema } from '@scale-chat/contracts/events';
import {
  currentCorrelationId,
  enqueueEvent,
  KafkaConnection,
  KafkaEventsTransport,
  runAfterCommit,
  SERVICE_CONFIG,
  type EventContext,
  UnhandleableEventError,
  withCorrelationId,
} from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { sagaDefinitions } from '../engine/saga-definitions';
import { SagaEngine, type SagaState, type Transition } from '../engine/saga-engine';
import type { OrchestratorConfig } from '../orchestrator-config';
import { ReplyPartitions } from './reply-partitions';
import { SagaMetrics } from './saga-metrics';
import { recordOf, stateOf, type SagaRecord } from './saga.entity';
import { SagasRepository, type Overdue } from './sagas.repository';

const SWEEP_INTERVAL_MS = 250;
/** The most sagas one timeout sweep takes on. */
const SWEEP_BATCH = 50;
/** Overdue sagas read a page at a time, at most this many pages a sweep. */
const SWEEP_PAGE_SIZE = 500;
const SWEEP_PAGES = 10;
/** The consumer group of requests and replies (`SagaEventsController`). */
export const ORCHESTRATOR_GROUP = 'orchestrator';
/** How a request for a saga type this release does not run is refused (and kept). */
const UNKNOWN_SAGA_TYPE = 'unknown saga type ';
/** How a request whose payload is not its saga type's is refused (and kept, for good). */
export const MALFORMED_SAGA_PAYLOAD = 'malformed saga payload ';

/** Why `payload` is too large to be sent with every command of its saga, if it is. */
function oversizeOf(payload: Readonly<Record<string, unknown>>): string | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(payload));
  return bytes <= SAGA_PAYLOAD_BYTES_MAX
    ? undefined
    : `${bytes} bytes as JSON, more than the ${SAGA_PAYLOAD_BYTES_MAX} a saga's payload may take`;
}

type AfterCommit = EventContext['afterCommit'];

/**
 * Runs the sagas: starts one per request, applies each reply, and fails the steps whose
 * deadline passed. Every change of a saga is stored together with the commands it
 * sends (outbox) and the message that caused it (processed messages), in one
 * transaction, so a crash at any moment resumes exactly where the database says.
 */
@Injectable()
export class SagaOrchestrator implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly engines: ReadonlyMap<string, SagaEngine>;
  private sweeper: NodeJS.Timeout | undefined;
  /** The sweep running now, if one is. */
  private sweeping: Promise<void> | undefined;
  private shuttingDown = false;
  private readonly replyPartitions: ReplyPartitions;

  constructor(
    @Inject(SERVICE_CONFIG) config: OrchestratorConfig,
    private readonly dataSource: DataSource,
    private readonly sagas: SagasRepository,
    private readonly logger: PinoLogger,
    private readonly metrics: SagaMetrics,
    private readonly transport: KafkaEventsTransport,
    kafka: KafkaConnection,
  ) {
    this.engines = new Map(
      [...sagaDefinitions(config.extra.SAGA_STEP_TIMEOUT_MS)].map(([type, definition]) => [
        type,
        new SagaEngine(definition),
      ]),
    );
    for (const type of this.engines.keys())
      if (sagaPayloadSchema(type) === undefined)
        throw new Error(`saga ${type} has no payload schema in SAGA_PAYLOAD_SCHEMAS`);
    const replies = prefixedTopic(SAGA_REPLIES_TOPIC, config.kafkaTopicPrefix).name;
    // A partition moves after the session timeout of the instance that held it, then the
    // group rebalances and catches up: three times that is past any such wait. A member
    // that has not heard from Kafka for half a session may be about to lose its own.
    this.replyPartitions = new ReplyPartitions(
      {
        caughtUp: (wanted) => this.transport.caughtUp({ group: ORCHESTRATOR_GROUP, wanted }),
        partitionCount: () => this.partitionsOf(kafka, replies),
        lastContactAt: () => this.transport.lastContactAt(ORCHESTRATOR_GROUP),
        checkFailed: (error) =>
          this.logger.warn({ err: error }, 'could not tell how far the replies have been read'),
      },
      3 * config.kafkaSessionTimeoutMs,
      config.kafkaSessionTimeoutMs / 2,
    );
    this.transport.onAssignment(ORCHESTRATOR_GROUP, (assignment) => {
      this.replyPartitions
        .assigned(assignment?.get(SAGA_REPLIES_TOPIC.name))
        .catch((error: unknown) => {
          this.logger.warn({ err: error }, 'could not tell which replies this instance reads');
        });
    });
  }

  /**
   * Steps are timed out only once the replies that waited in Kafka while no orchestrator
   * read them (all of them killed, a deploy) have been applied: a participant that
   * answered in time is not undone because the orchestrator was away. A killed instance
   * stays in the group until its session times out, and the others wait for it to rejoin.
   */
  onApplicationBootstrap(): void {
    void this.transport.caughtUp().then(
      (caughtUp) => {
        if (!caughtUp || this.shuttingDown) return;
        this.logger.info('read what waited in Kafka; timing out late steps from now on');
        this.startSweeping();
      },
      (error: unknown) => {
        // Late steps must still be timed out some time: sweeping early is the lesser harm.
        this.logger.error({ err: error }, 'could not tell what waited in Kafka; sweeping now');
        if (!this.shuttingDown) this.startSweeping();
      },
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.sweeper);
    await this.sweeping;
  }

  private startSweeping(): void {
    this.sweeper = setInterval(() => {
      // A tick while the last sweep still runs (a slow or absent database) is skipped,
      // not queued: sweeps must not pile up behind an outage.
      if (this.sweeping !== undefined) return;
      this.sweeping = this.sweepTimeouts().finally(() => {
        this.sweeping = undefined;
      });
    }, SWEEP_INTERVAL_MS);
  }

  /** How many partitions `topic` (saga.replies) has; the contract's count if Kafka cannot say. */
  private async partitionsOf(kafka: KafkaConnection, topic: string): Promise<number> {
    try {
      // The service's one admin client: used, not disconnected.
      const admin = await kafka.connectedAdmin();
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const count = topics[0]?.partitions.length;
      if (count !== undefined && count > 0) return count;
    } catch (error) {
      this.logger.warn({ err: error }, "could not read saga.replies' partitions");
    }
    return SAGA_REPLIES_TOPIC.partitions;
  }

  /** Whether this release runs sagas of `type`. */
  runs(type: string): boolean {
    return this.engines.has(type);
  }

  /** A repeated request for a saga that exists changes nothing. */
  async start(
    request: SagaStartRequest,
    manager: EntityManager,
    afterCommit: AfterCommit,
  ): Promise<void> {
    const engine = this.engines.get(request.sagaType);
    // A type this release cannot run (a requester deployed ahead of it, say): the request
    // is kept in `dead_letters` at once with why, and the requests and replies behind it
    // go on; a release that runs the type starts it (`KeptSagaRequests`).
    if (engine === undefined)
      throw new UnhandleableEventError(`${UNKNOWN_SAGA_TYPE}${request.sagaType}`);
    if ((await this.sagas.in(manager).findById(request.sagaId)) !== null) return;
    const transition = engine.start(request.sagaId, this.payloadOf(request), Date.now());
    await this.store(manager, transition, undefined, afterCommit);
  }

  /**
   * The request's payload, checked against its saga type's (its ids lower-cased; fields the
   * type does not declare kept for the steps). One that is not its type's is refused
   * before anything is stored: started, its steps would fail on it, and their undos
   * (which need the same fields) would be retried for ever.
   */
  private payloadOf(request: SagaStartRequest): Readonly<Record<string, unknown>> {
    const schema = sagaPayloadSchema(request.sagaType);
    // Every type an engine runs has one: the constructor checks it.
    if (schema === undefined) throw new Error(`saga ${request.sagaType} has no payload schema`);
    let payload: Readonly<Record<string, unknown>>;
    try {
      payload = { ...request.payload, ...(schema(request.payload) as Record<string, unknown>) };
    } catch (error) {
      throw new UnhandleableEventError(
        `${MALFORMED_SAGA_PAYLOAD}${request.sagaType}: ${(error as Error).message}`,
      );
    }
    const tooLarge = oversizeOf(payload);
    if (tooLarge !== undefined)
      throw new UnhandleableEventError(`${MALFORMED_SAGA_PAYLOAD}${request.sagaType}: ${tooLarge}`);
    return payload;
  }

  async reply(reply: SagaReply, manager: EntityManager, afterCommit: AfterCommit): Promise<void> {
    const record = await this.sagas.in(manager).findForUpdate(reply.sagaId);
    if (record === null) {
      this.logger.warn({ sagaId: reply.sagaId }, 'reply for an unknown saga; ignored');
      return;
    }
    const state = stateOf(record);
    if (reply.data !== undefined) this.checkFacts(record.type, state.payload, reply.data);
    const transition = this.engineOf(record.type).onReply(state, reply, Date.now());
    if (transition.state !== state) await this.store(manager, transition, state, afterCommit);
  }

  /**
   * A reply's facts join the saga's payload, which every later step and undo is sent: with
   * them it must still be its type's, and within `SAGA_PAYLOAD_BYTES_MAX`. A reply whose
   * facts break it is kept in `dead_letters` and changes nothing; the step times out, and
   * its undo gets the payload as it was.
   */
  private checkFacts(
    type: string,
    payload: Readonly<Record<string, unknown>>,
    facts: Readonly<Record<string, unknown>>,
  ): void {
    const schema = sagaPayloadSchema(type);
    const merged = { ...payload, ...facts };
    let problem: string | undefined;
    try {
      schema?.(merged);
      problem = oversizeOf(merged);
    } catch (error) {
      problem = (error as Error).message;
    }
    if (problem !== undefined)
      throw new UnhandleableEventError(
        `a reply's data would make the ${type} saga's payload malformed: ${problem}`,
      );
  }

  /**
   * Fails (and starts undoing) every step whose participant did not answer in time, of
   * the sagas whose replies this instance reads (`ReplyPartitions`).
   */
  async sweepTimeouts(): Promise<void> {
    const effects: (() => void)[] = [];
    try {
      await this.dataSource.transaction(async (manager) => {
        const sagas = this.sagas.in(manager);
        const due = await sagas.overdueForUpdate(await this.ownOverdue(sagas));
        const now = Date.now();
        for (const record of due) {
          // Its reply may be waiting on a partition another instance holds, or one moving,
          // or unread behind a backlog.
          if (!this.replyPartitions.mayTimeOut(record.id, record.deadline?.getTime() ?? now))
            continue;
          const state = stateOf(record);
          const transition = this.timedOut(record, state);
          if (transition === undefined) {
            await this.sagas.in(manager).update(record.id, { deadline: null });
            continue;
          }
          if (transition.state === state) continue;
          // Commands and log lines of a timed-out step carry the saga's correlation id too.
          const correlationId = record.correlationId ?? undefined;
          await withCorrelationId(correlationId, () =>
            this.store(manager, transition, state, (effect) =>
              effects.push(() => withCorrelationId(correlationId, effect)),
            ),
          );
        }
      });
      runAfterCommit(effects, this.logger.logger, { sweep: true });
    } catch (error) {
      this.logger.warn({ err: error }, 'timeout sweep failed; trying again shortly');
    }
  }

  /**
   * The ids of overdue sagas this instance may time out now, earliest first, at most
   * SWEEP_BATCH. Read past the ones it may not (their replies wait on partitions another
   * instance holds), however early their deadlines, so they never hold its own back.
   */
  private async ownOverdue(sagas: SagasRepository): Promise<string[]> {
    const own: string[] = [];
    let after: Overdue | undefined;
    for (let page = 0; page < SWEEP_PAGES; page += 1) {
      const rows = await sagas.overdue(after, SWEEP_PAGE_SIZE);
      for (const { id, deadline } of rows) {
        if (this.replyPartitions.mayTimeOut(id, deadline.getTime())) own.push(id);
        if (own.length === SWEEP_BATCH) return own;
      }
      if (rows.length < SWEEP_PAGE_SIZE) break;
      after = rows.at(-1);
    }
    return own;
  }

  /**
   * Stores the saga's new state and the commands it sends; `before` undefined: it starts.
   * Its metrics and log line wait for the commit: a rolled-back step is counted never,
   * a retried one once.
   */
  private async store(
    manager: EntityManager,
    transition: Transition,
    before: SagaState | undefined,
    afterCommit: AfterCommit,
  ): Promise<void> {
    const { id, type, ...fields } = recordOf(transition.state);
    // TypeORM's partial-entity type cannot take the jsonb payload's `unknown` values.
    const changes = fields as QueryDeepPartialEntity<SagaRecord>;
    const sagas = this.sagas.in(manager);
    if (before === undefined)
      await sagas.insert({ id, type, ...changes, correlationId: currentCorrelationId() ?? null });
    else await sagas.update(id, changes);
    for (const command of transition.commands) await this.send(manager, command);
    const { state } = transition;
    afterCommit(() => {
      this.metrics.record(before, state);
      if (state.status === 'completed' || state.status === 'compensated') {
        this.logger.info(
          { sagaId: state.id, sagaType: state.type, status: state.status, history: state.history },
          `saga ${state.status}`,
        );
      }
    });
  }

  private async send(manager: EntityManager, command: SagaCommand): Promise<void> {
    const topic = sagaCommandTopic(command.participant);
    if (topic === undefined) throw new Error(`no command topic for ${command.participant}`);
    await enqueueEvent(manager, {
      topic,
      key: command.sagaId,
      type: SAGA_EVENT_TYPES.command,
      data: command,
    });
  }

  /**
   * The step's timeout applied, or undefined for a saga this release cannot run (its type
   * or step gone in a deploy while it ran): that one is logged and taken off the sweep
   * (its deadline cleared) for an operator, so it does not hold up the others.
   */
  private timedOut(record: SagaRecord, state: SagaState): Transition | undefined {
    try {
      return this.engineOf(record.type).onTimeout(state, Date.now());
    } catch (error) {
      this.logger.error(
        { err: error, sagaId: record.id, sagaType: record.type, step: record.step },
        'a saga this release cannot run; no longer timed out, left as it is',
      );
      return undefined;
    }
  }

  private engineOf(type: string): SagaEngine {
    const engine = this.engines.get(type);
    if (engine === undefined) throw new Error(`stored saga of unknown type ${type}`);
    return engine;
  }
}
