import { Inject, Injectable } from '@nestjs/common';
import {
  SAGA_EVENT_TYPES,
  SAGA_REQUESTS_TOPIC,
  type EventEnvelope,
  type SagaStartRequest,
} from '@scale-chat/contracts';
import { EVENT_SCHEMAS } from '@scale-chat/contracts/events';
import {
  isRefusedForGood,
  isTransientDatabaseError,
  PeriodicTask,
  runAfterCommit,
  SERVICE_CONFIG,
  UnhandleableEventError,
} from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import type { OrchestratorConfig } from '../orchestrator-config';
import { MALFORMED_SAGA_PAYLOAD, SagaOrchestrator } from './saga-orchestrator.service';

const parseStart = EVENT_SCHEMAS[SAGA_EVENT_TYPES.start];

/** How a kept request that can never start is marked: the runs pass it by. */
const CANNOT_START = 'cannot start: ';

/** How often the kept requests are tried again, after the one at start-up. */
const KEPT_SAGA_REQUESTS_EVERY_MS = 60_000;

/**
 * Saga requests the orchestrator could not start are kept in `dead_letters`: of a type an
 * earlier release did not know (a requester released ahead of it), or whose start failed
 * five times for a reason not known to pass (a permission, a table missing while a deploy
 * is under way, a bug). Left there, the requester would wait for good: an account stays
 * `deleting`, a member `pending`. They are started at start-up and every minute, each in
 * one transaction with its dead letter's deletion, so two instances at once start each
 * saga once. A request that can never start (not a request, a payload not its type's,
 * one PostgreSQL refuses to store) is marked so and stays kept; one of a type still
 * unknown, or whose start fails again, is tried at the next run.
 */
@Injectable()
export class KeptSagaRequests extends PeriodicTask {
  /** Where requests are read (prefixed): a `saga.start` kept from another topic strayed there. */
  private readonly requestsTopic: string;

  constructor(
    @Inject(SERVICE_CONFIG) config: OrchestratorConfig,
    private readonly dataSource: DataSource,
    private readonly orchestrator: SagaOrchestrator,
    logger: PinoLogger,
  ) {
    super(logger, KEPT_SAGA_REQUESTS_EVERY_MS, {
      done: 'started saga requests kept until now',
      failed: 'could not start the kept saga requests; at the next run',
    });
    this.logger.setContext('kept-saga-requests');
    this.requestsTopic = `${config.kafkaTopicPrefix}${SAGA_REQUESTS_TOPIC.name}`;
  }

  protected runOnce(): Promise<number> {
    return this.startKept();
  }

  /** Starts the kept requests that can start now; how many it started. */
  async startKept(): Promise<number> {
    const kept = (await this.dataSource.query(
      `SELECT "id", "value" FROM "dead_letters"
        WHERE "type" = $1 AND "topic" = $4
          AND NOT starts_with("error", $2) AND NOT starts_with("error", $3)
        ORDER BY "id"`,
      [SAGA_EVENT_TYPES.start, CANNOT_START, MALFORMED_SAGA_PAYLOAD, this.requestsTopic],
    )) as { id: string; value: Buffer | null }[];
    let started = 0;
    for (const { id, value } of kept) {
      const request = this.requestIn(id, value);
      if (typeof request === 'string') {
        await this.markCannotStart(id, request);
        continue;
      }
      if (!this.orchestrator.runs(request.sagaType)) continue;
      if (await this.start(id, request)) started += 1;
    }
    return started;
  }

  /** Starts `request` and deletes its dead letter; whether it was this call that did. */
  private async start(id: string, request: SagaStartRequest): Promise<boolean> {
    const effects: (() => void)[] = [];
    try {
      const taken = await this.dataSource.transaction(async (manager) => {
        const [deleted] = (await manager.query(
          `DELETE FROM "dead_letters" WHERE "id" = $1 RETURNING "id"`,
          [id],
        )) as [unknown[], number];
        if (deleted.length === 0) return false; // another instance took it first
        await this.orchestrator.start(request, manager, (effect) => effects.push(effect));
        return true;
      });
      runAfterCommit(effects, this.logger.logger, { sagaId: request.sagaId });
      return taken;
    } catch (error) {
      // The database away: the run stops here, and the next one tries again.
      if (isTransientDatabaseError(error)) throw error;
      if (error instanceof UnhandleableEventError) {
        // Its payload is not its type's (marked so by the orchestrator's own message).
        await this.markKept(id, error.message);
      } else if (isRefusedForGood(error)) {
        // PostgreSQL will never store it (a NUL in a name, say).
        await this.markCannotStart(id, error instanceof Error ? error.message : String(error));
      } else {
        // Failing again for a reason that may pass: the next run tries again.
        this.logger.warn(
          { deadLetter: id, sagaId: request.sagaId, err: error },
          'a kept saga request could not start; at the next run',
        );
        return false;
      }
      this.logger.warn({ deadLetter: id, err: error }, 'a kept saga request stays kept');
      return false;
    }
  }

  private markCannotStart(id: string, why: string): Promise<void> {
    return this.markKept(id, `${CANNOT_START}${why}`);
  }

  private async markKept(id: string, error: string): Promise<void> {
    await this.dataSource.query(`UPDATE "dead_letters" SET "error" = $2 WHERE "id" = $1`, [
      id,
      error.replaceAll('\u0000', '').slice(0, 2_000),
    ]);
  }

  /** The request a dead letter holds, or undefined (logged) when it holds none. */
  /** The request a dead letter holds, or why it holds none. */
  private requestIn(id: string, value: Buffer | null): SagaStartRequest | string {
    try {
      const envelope = JSON.parse(value?.toString('utf8') ?? 'null') as EventEnvelope;
      return parseStart(envelope.data) as SagaStartRequest;
    } catch (error) {
      this.logger.warn({ err: error, deadLetter: id }, 'a kept saga request cannot be read');
      return `not a saga request: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
}
