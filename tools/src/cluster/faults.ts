import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { eventually } from './chat-client';

/** The schemas whose services are saga participants and relay an outbox. */
export type FaultSchema = 'auth' | 'chat';

/** Advisory lock keys the test holds to make a participant wait. */
const HOLD_COMMANDS = 7_770_001;
const HOLD_RELAY = 7_770_002;

/**
 * Faults made from the outside of the services, in their database only: no test hooks
 * in the services' code. `db` runs statements; `holder` is a session of its own that
 * holds the advisory locks the faults wait on.
 */
export class DatabaseFaults {
  /** The `application_name` of the instance whose relay `holdRelay` holds. */
  private heldRelay: string | undefined;

  constructor(
    private readonly db: Client,
    private readonly holder: Client,
  ) {}

  /** Creates the trigger functions (once per database). */
  async install(): Promise<void> {
    await this.db.query(`
      CREATE OR REPLACE FUNCTION "public"."saga_fault_refuse"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
    await this.db.query(`
      CREATE OR REPLACE FUNCTION "public"."saga_fault_wait"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock(TG_ARGV[0]::bigint); RETURN coalesce(NEW, OLD); END $$`);
  }

  /** Makes the participant's saga commands wait (before anything is done) until released. */
  async holdCommands(schema: FaultSchema): Promise<void> {
    await this.holder.query('SELECT pg_advisory_lock($1)', [HOLD_COMMANDS]);
    await this.db.query(`
      CREATE TRIGGER "hold_commands" BEFORE INSERT ON "${schema}"."processed_messages"
        FOR EACH ROW WHEN (NEW."consumer" LIKE '%.saga-participant')
        EXECUTE FUNCTION "public"."saga_fault_wait"('${HOLD_COMMANDS}')`);
  }

  async releaseCommands(schema: FaultSchema): Promise<void> {
    await this.holder.query('SELECT pg_advisory_unlock($1)', [HOLD_COMMANDS]);
    await this.db.query(
      `DROP TRIGGER IF EXISTS "hold_commands" ON "${schema}"."processed_messages"`,
    );
  }

  /**
   * Holds the schema's outbox relay: a row of the test's goes out first, and deleting it
   * once sent waits on a lock the test holds, so whatever is committed next stays unpublished.
   * Resolves once the relay is stuck there, with the instance id of the relaying process.
   */
  async holdRelay(schema: FaultSchema): Promise<string> {
    const marker = randomUUID();
    await this.holder.query('SELECT pg_advisory_lock($1)', [HOLD_RELAY]);
    await this.db.query(`
      CREATE TRIGGER "hold_relay" BEFORE DELETE ON "${schema}"."outbox"
        FOR EACH ROW WHEN (OLD."event_id" = '${marker}')
        EXECUTE FUNCTION "public"."saga_fault_wait"('${HOLD_RELAY}')`);
    const envelope = { id: marker, type: 'test.relay-hold', occurredAt: new Date(), data: {} };
    await this.db.query(
      `INSERT INTO "${schema}"."outbox" ("event_id", "topic", "key", "envelope", "headers")
       VALUES ($1, 'saga.replies', $2, $3, '{}')`,
      [marker, marker, JSON.stringify(envelope)],
    );
    let relay = '';
    this.heldRelay = undefined;
    await eventually('the relay is held', async () => {
      const { rows } = await this.db.query<{ application_name: string }>(
        `SELECT "application_name" FROM pg_stat_activity WHERE "datname" = current_database()
            AND "wait_event_type" = 'Lock' AND "query" LIKE 'DELETE FROM "outbox"%'`,
      );
      relay = rows[0]?.application_name ?? '';
      return rows.length > 0;
    });
    this.heldRelay = relay;
    return relay;
  }

  /**
   * Ends the held relay's statement (its process may be dead already), then the hold. Only
   * the held instance's (by its `application_name`): the instance that takes the relay
   * over may be waiting on the hold too, and ending its connection failed its next send.
   */
  async releaseRelay(schema: FaultSchema): Promise<void> {
    await this.db.query(
      `SELECT pg_terminate_backend("pid") FROM pg_stat_activity
        WHERE "datname" = current_database() AND "application_name" = $1
          AND "wait_event_type" = 'Lock' AND "query" LIKE 'DELETE FROM "outbox"%'`,
      [this.heldRelay ?? ''],
    );
    await this.holder.query('SELECT pg_advisory_unlock($1)', [HOLD_RELAY]);
    await this.db.query(`DROP TRIGGER IF EXISTS "hold_relay" ON "${schema}"."outbox"`);
  }

  /** Whether the schema's outbox holds an unpublished saga reply for `sagaId`. */
  async unpublishedReply(schema: FaultSchema, sagaId: string): Promise<boolean> {
    const { rows } = await this.db.query(
      `SELECT 1 FROM "${schema}"."outbox" WHERE "topic" = 'saga.replies' AND "key" = $1
          AND "published_at" IS NULL`,
      [sagaId],
    );
    return rows.length > 0;
  }

  /** Undoes whatever a failed test left: locks released, hold triggers dropped. */
  async clear(): Promise<void> {
    await this.holder.query('SELECT pg_advisory_unlock_all()');
    for (const schema of ['auth', 'chat'] as const) {
      await this.db.query(
        `DROP TRIGGER IF EXISTS "hold_commands" ON "${schema}"."processed_messages"`,
      );
      await this.db.query(`DROP TRIGGER IF EXISTS "hold_relay" ON "${schema}"."outbox"`);
    }
  }
}
