import type { BeforeApplicationShutdown } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { isObservable, lastValueFrom } from 'rxjs';
import type { EntityManager } from 'typeorm';
import type { Assignment, EventConsumer } from './event-consumer';
import {
  eventHandler,
  type BatchEventHandler,
  type EventContext,
  type EventHandler,
} from './event-handler';
import {
  KAFKA_EVENTS_TRANSPORT,
  KafkaEventContext,
  type AfterCommit,
  type BatchRoute,
  type ConsumerGroup,
  type EventRoute,
  type KafkaRoute,
} from './event-routes';
import type { ServiceEventConsumers } from './service-event-consumers';

/** A handler as Nest registered it, with the route its decorator gave. */
interface RoutedHandler<R extends KafkaRoute> {
  readonly route: R;
  readonly handle: MessageHandler;
}

/** The handlers of one consumer group: events by type, or a batch handler alone. */
interface GroupHandlers {
  readonly group: ConsumerGroup;
  readonly events: RoutedHandler<EventRoute>[];
  batch?: RoutedHandler<BatchRoute>;
}

/** Calls a Nest handler and waits for all of it: a failure must reach the consumer. */
async function invoke(
  handler: MessageHandler,
  payload: unknown,
  manager: EntityManager,
  context: EventContext | undefined,
  afterCommit: AfterCommit,
): Promise<void> {
  const result: unknown = await handler(
    payload,
    new KafkaEventContext([manager, context, afterCommit]),
  );
  if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
}

function asEventHandler({ route, handle }: RoutedHandler<EventRoute>): EventHandler {
  return eventHandler<unknown>({
    type: route.type,
    parse: route.schema,
    handle: (event, manager, context) =>
      invoke(handle, event.data, manager, context, (effect) => context.afterCommit(effect)),
  });
}

function asBatchHandler({ route, handle }: RoutedHandler<BatchRoute>): BatchEventHandler {
  return {
    types: route.types,
    parse: (event, topic) => {
      const schema = route.schemas[event.type];
      if (schema === undefined) throw new Error(`no schema for ${event.type}`);
      return route.item({ ...event, data: schema(event.data) }, topic);
    },
    handleBatch: (items, manager, afterCommit) =>
      invoke(handle, items, manager, undefined, afterCommit),
  };
}

/**
 * The `@OnEvent`/`@OnEventBatch` handlers of a hybrid app, consumed from Kafka with
 * `EventConsumer`'s guarantees: one consumer per `ConsumerGroup`, dispatching by event
 * type, each event id recorded in the handler's transaction, offsets moved after the
 * commit, a database that is away waited out, other failures retried then dead-lettered,
 * batches in one transaction. `listen` resolves once every group has joined. It is a
 * provider of the platform too, so that it leaves its groups before shutdown, while the
 * sockets, the HTTP server and the database its handlers use are still there (Nest
 * closes a hybrid app's transports only after those).
 */
export class KafkaEventsTransport
  extends Server
  implements CustomTransportStrategy, BeforeApplicationShutdown
{
  override readonly transportId = KAFKA_EVENTS_TRANSPORT;
  /** The consumers, each with its `ConsumerGroup`'s name. */
  private named: readonly (readonly [string, EventConsumer])[] = [];
  private get consumers(): EventConsumer[] {
    return this.named.map(([, consumer]) => consumer);
  }
  private readonly assignmentListeners: {
    readonly group: string;
    readonly listener: (assignment: Assignment | undefined) => void;
  }[] = [];
  private readonly started: Promise<boolean>;
  private settleStart: (joined: boolean) => void = () => undefined;

  constructor(private readonly factory: ServiceEventConsumers) {
    super();
    this.started = new Promise((resolve) => (this.settleStart = resolve));
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.named = this.groups().map(({ group: { name, topics, ...options }, events, batch }) => {
        const consumer = this.factory.create({
          name,
          topics,
          ...options,
          ...(batch === undefined
            ? { handlers: events.map(asEventHandler) }
            : { batch: asBatchHandler(batch) }),
        });
        for (const { group, listener } of this.assignmentListeners)
          if (group === name) consumer.onAssignment(listener);
        return [name, consumer] as const;
      });
      await Promise.all(this.consumers.map((consumer) => consumer.start()));
      this.settleStart(true);
      callback();
    } catch (error) {
      this.settleStart(false);
      callback(error);
    }
  }

  /**
   * Resolves true once every group (or `only.group`, while `only.wanted()`) has joined and
   * committed past every record its topics held then (see `EventConsumer.caughtUp`); false
   * if the transport failed to start or closed first. For work that must not run ahead of what was waiting in
   * Kafka while the service was down.
   */
  async caughtUp(only?: {
    readonly group: string;
    readonly wanted: () => boolean;
  }): Promise<boolean> {
    if (!(await this.started)) return false;
    const consumers = this.named
      .filter(([name]) => only === undefined || name === only.group)
      .map(([, consumer]) => consumer);
    const caughtUp = await Promise.all(
      consumers.map((consumer) => consumer.caughtUp(100, only?.wanted)),
    );
    return caughtUp.every(Boolean);
  }

  /**
   * `GET /health`'s word on the consumer groups: each by name, and those kafkajs stopped
   * (`EventConsumer.stoppedBy`) with why. A consumer that stopped so reads nothing until
   * it is started again and joins, its events waiting in Kafka; yet it leaves the
   * instance ready: the cause (an ACL, say) is every replica's, and readiness failing on
   * all of them would take the whole service down for one of its features.
   * `kafka_consumer_stopped` and its alert tell the operator.
   */
  health(): HealthIndicatorResult {
    // Named as Kafka knows them (prefixed), as its ACLs and tools do.
    const stopped = this.consumers.flatMap(({ groupId, stoppedBy }) =>
      stoppedBy === undefined ? [] : [{ group: groupId, error: stoppedBy.message }],
    );
    const groups = this.consumers.map(({ groupId }) => groupId);
    return {
      'kafka-consumers': { status: 'up', groups, ...(stopped.length > 0 ? { stopped } : {}) },
    };
  }

  /** When group `group`'s consumer last heard from Kafka (`EventConsumer.lastContactAt`). */
  lastContactAt(group: string): number {
    return this.named.find(([name]) => name === group)?.[1].lastContactAt ?? 0;
  }

  /**
   * `listener` hears the partitions group `group` (a `ConsumerGroup`'s name) gives this
   * instance, each time (`EventConsumer.onAssignment`). Call it before the transport
   * listens (in a provider's constructor or `onApplicationBootstrap`).
   */
  onAssignment(group: string, listener: (assignment: Assignment | undefined) => void): void {
    this.assignmentListeners.push({ group, listener });
  }

  async close(): Promise<void> {
    this.settleStart(false);
    const consumers = this.consumers;
    this.named = [];
    await Promise.all(consumers.map((consumer) => consumer.stop()));
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** The consumers, for tests that look at their counts. */
  unwrap<T>(): T {
    return this.consumers as T;
  }

  on(): never {
    throw new Error('KafkaEventsTransport has no events to listen to');
  }

  /** The registered handlers by consumer group, checked: a batch handler is alone in its group. */
  private groups(): GroupHandlers[] {
    const groups = new Map<string, GroupHandlers>();
    for (const [pattern, handle] of this.getHandlers()) {
      const { route } = handle.extras as { route: KafkaRoute };
      // Nest chains handlers of one pattern; each event type has exactly one here.
      if (handle.next !== undefined) throw new Error(`two handlers for ${pattern}`);
      const entry = groups.get(route.group.name) ?? { group: route.group, events: [] };
      if (entry.group !== route.group)
        throw new Error(`two consumer groups are named ${route.group.name}`);
      if (route.kind === 'batch') entry.batch = { route, handle };
      else entry.events.push({ route, handle });
      if (entry.batch !== undefined && entry.events.length > 0)
        throw new Error(`consumer group ${route.group.name} mixes a batch handler with others`);
      groups.set(route.group.name, entry);
    }
    return [...groups.values()];
  }
}
