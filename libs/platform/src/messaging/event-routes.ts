import { applyDecorators, Catch, UseFilters, type RpcExceptionFilter } from '@nestjs/common';
import { BaseRpcContext, EventPattern } from '@nestjs/microservices';
import type { EventEnvelope, TopicSpec } from '@scale-chat/contracts';
import type { EventSchema } from '@scale-chat/contracts/events';
import { throwError, type Observable } from 'rxjs';
import type { EntityManager } from 'typeorm';
import type { EventContext } from './event-handler';

/** Handlers marked by `@OnEvent`/`@OnEventBatch` go to this transport and no other. */
export const KAFKA_EVENTS_TRANSPORT = Symbol('kafka-events');

/**
 * A consumer group of the service (`<KAFKA_GROUP_PREFIX>.<name>`): the topics it reads and
 * how. Declared once as a constant by the feature that owns it; every handler of the
 * group names that same constant. A new group, or a new topic of one, goes into
 * deploy/helm/scale-chat/files/kafka-access.yaml too (and the ACLs tools/src/chart/chart.spec.ts
 * expects): a broker with the chart's ACLs refuses it otherwise, which only
 * tools/src/stack.e2e-spec.ts sees before production does.
 */
export interface ConsumerGroup {
  readonly name: string;
  readonly topics: readonly TopicSpec[];
  /** Default true. */
  readonly fromBeginning?: boolean;
  /** Partitions handled at once; see `EventConsumerOptions.concurrency`. */
  readonly concurrency?: number;
  /** Failures of an event before it is dead-lettered (default 5). */
  readonly maxAttempts?: number;
}

export function consumerGroup(group: ConsumerGroup): ConsumerGroup {
  return Object.freeze({ ...group });
}

/** The route of one event type: what the transport needs besides the handler. */
export interface EventRoute {
  readonly kind: 'event';
  readonly group: ConsumerGroup;
  readonly type: string;
  readonly schema: EventSchema<unknown>;
}

/** The route of a batch handler: the only handler of its group. */
export interface BatchRoute {
  readonly kind: 'batch';
  readonly group: ConsumerGroup;
  readonly types: readonly string[];
  /** One event (data already checked by `schemas`), with its declared topic, as the handler's item. */
  readonly item: (event: EventEnvelope, topic: string) => unknown;
  readonly schemas: Readonly<Record<string, EventSchema<unknown>>>;
}

export type KafkaRoute = EventRoute | BatchRoute;
export type { EventSchema };

/** Runs an effect once the handler's transaction has committed (`EventContext.afterCommit`). */
export type AfterCommit = (effect: () => void) => void;

/**
 * What `@Ctx()` gives a handler of this transport: the transaction it runs in (the one
 * that records the event as processed), what runs after its commit, and, for one event
 * at a time, the event's context.
 */
export class KafkaEventContext extends BaseRpcContext<
  [EntityManager, EventContext | undefined, AfterCommit]
> {
  get manager(): EntityManager {
    return this.getArgByIndex(0);
  }

  /**
   * Runs `effect` once the transaction has committed, never when it rolls back (a batch
   * or event read again would do it twice): counting a metric, say.
   */
  afterCommit(effect: () => void): void {
    this.getArgByIndex(2)(effect);
  }

  /** The event's correlation id, logger and after-commit effects; not for batch handlers. */
  get event(): EventContext {
    const context = this.getArgByIndex(1);
    if (context === undefined)
      throw new Error('a batch handler has no single event context; use the items');
    return context;
  }
}

/**
 * Nest's default RPC filter replaces every error with "Internal server error"; the
 * transport needs the error itself to tell a database that is away (waited out) from a
 * failure of the event (retried, then dead-lettered).
 */
@Catch()
class KeepEventErrors implements RpcExceptionFilter {
  catch(error: unknown): Observable<never> {
    return throwError(() => error);
  }
}

function route(pattern: string, extras: KafkaRoute): MethodDecorator {
  return applyDecorators(
    EventPattern(pattern, KAFKA_EVENTS_TRANSPORT, { route: extras }),
    UseFilters(new KeepEventErrors()),
  ) as MethodDecorator;
}

/**
 * The method handles events of `type` read by `group`: `@Payload()` is the data as
 * `schema` returned it, `@Ctx()` a `KafkaEventContext`. It runs in the transaction that
 * records the event id, is retried when it throws, and its event is dead-lettered after
 * five failures (or at once when `schema` refuses the data).
 */
export function OnEvent<T>(
  group: ConsumerGroup,
  type: string,
  schema: EventSchema<T>,
): MethodDecorator {
  return route(`${group.name}/${type}`, { kind: 'event', group, type, schema });
}

export interface BatchOptions<T> {
  /** The schema of each event type the batch takes; records of other types are ignored. */
  readonly schemas: Readonly<Record<string, EventSchema<unknown>>>;
  readonly item: (event: EventEnvelope, topic: string) => T;
}

/**
 * The method handles the events of `group` a Kafka batch at a time, in one transaction:
 * `@Payload()` is the items, `@Ctx()` a `KafkaEventContext` (its `manager`). A failing
 * batch is retried event by event, so one bad event is dead-lettered alone.
 */
export function OnEventBatch<T>(group: ConsumerGroup, options: BatchOptions<T>): MethodDecorator {
  return route(`${group.name}/batch`, {
    kind: 'batch',
    group,
    types: Object.keys(options.schemas),
    ...options,
  });
}
