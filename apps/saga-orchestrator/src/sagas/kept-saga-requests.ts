import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { SAGA_EVENT_TYPES, type EventEnvelope, type SagaStartRequest } from '@scale-chat/contracts';
import { EVENT_SCHEMAS } from '@scale-chat/contracts/events';
import { isRefusedForGood, runAfterCommit, UnhandleableEventError } from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { SagaOrchestrator, UNKNOWN_SAGA_TYPE } from './saga-orchestrator.service';

const parseStart = EVENT_SCHEMAS[SAGA_EVENT_TYPES.start];

/**
 * Saga requests an earlier release of the orchestrator could not run, their type unknown
 * to it (a requester released ahead of it), are kept in `dead_letters`. Once a release
 * knows the type they are started, at start-up, each in one transaction with its dead
 * letter's deletion, so two instances starting at once start each saga once. Kept
 * requests of types still unknown stay kept.
 */
@Injectable()
export class KeptSagaRequests implements OnApplicationBootstrap {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orchestrator: SagaOrchestrator,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('kept-saga-requests');
  }

  onApplicationBootstrap(): void {
    this.startKnown().catch((error: unknown) =>
      this.logger.warn({ err: error }, 'could not start the kept saga requests; at the next start'),
    );
  }

  /** Starts the kept requests whose type this release knows; how many it started. */
  async startKnown(): Promise<number> {
    const kept = (await this.dataSource.query(
      `SELECT "id", "value" FROM "dead_letters"
        WHERE "type" = $1 AND starts_with("error", $2) ORDER BY "id"`,
      [SAGA_EVENT_TYPES.start, UNKNOWN_SAGA_TYPE],
    )) as { id: string; value: Buffer | null }[];
    let started = 0;
    for (const { id, value } of kept) {
      const request = this.requestIn(id, value);
      if (request === undefined || !this.orchestrator.runs(request.sagaType)) continue;
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
        if (taken) started += 1;
      } catch (error) {
        // Its type known now, its payload is not that type's, or PostgreSQL refuses to store
        // it (a NUL in a name, say): kept, for that reason, and the next one is started.
        // Anything else (the database away) stops here until the next start.
        if (!(error instanceof UnhandleableEventError) && !isRefusedForGood(error)) throw error;
        const reason = `cannot start: ${error instanceof Error ? error.message : String(error)}`;
        await this.dataSource.query(`UPDATE "dead_letters" SET "error" = $2 WHERE "id" = $1`, [
          id,
          error instanceof UnhandleableEventError ? error.message : reason,
        ]);
        this.logger.warn({ deadLetter: id, err: error }, 'a kept saga request stays kept');
      }
    }
    if (started > 0) this.logger.info({ started }, 'started saga requests kept until now');
    return started;
  }

  /** The request a dead letter holds, or undefined (logged) when it holds none. */
  private requestIn(id: string, value: Buffer | null): SagaStartRequest | undefined {
    try {
      const envelope = JSON.parse(value?.toString('utf8') ?? 'null') as EventEnvelope;
      return parseStart(envelope.data) as SagaStartRequest;
    } catch (error) {
      this.logger.warn({ err: error, deadLetter: id }, 'a kept saga request cannot be read');
      return undefined;
    }
  }
}
