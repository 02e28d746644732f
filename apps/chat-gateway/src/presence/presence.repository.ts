import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';

/** A socket removed with its instance, by the sweep. */
export interface SweptSocketRow {
  user_id: string;
  instance_id: string;
}

/**
 * Presence's SQL: gateway instances with their heartbeats, and the sockets each holds.
 * Injected, it works through the pool; `in(manager)` gives the same queries inside the
 * caller's transaction.
 */
@Injectable()
export class PresenceRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  in(manager: EntityManager): PresenceRepository {
    return new PresenceRepository(manager);
  }

  /** Serializes presence changes of one user across every instance, until the transaction ends. */
  async lockUser(userId: string): Promise<void> {
    await this.manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`presence:${userId}`]);
  }

  /**
   * As `lockUser`, for each of `userIds`, in the order given: callers sort them, so two
   * such transactions cannot wait for each other (connect and disconnect hold one each).
   */
  async lockUsers(userIds: readonly string[]): Promise<void> {
    await this.manager.query(
      `SELECT pg_advisory_xact_lock(hashtext('presence:' || u)) FROM unnest($1::text[]) WITH ORDINALITY AS t(u, n) ORDER BY n`,
      [userIds],
    );
  }

  /** Those of `userIds` who hold no socket anywhere. */
  async withoutSockets(userIds: readonly string[]): Promise<string[]> {
    const rows = (await this.manager.query(
      `SELECT u AS "user_id" FROM unnest($1::uuid[]) AS u
        WHERE NOT EXISTS (SELECT 1 FROM "presence_sockets" p WHERE p."user_id" = u)`,
      [userIds],
    )) as { user_id: string }[];
    return rows.map((row) => row.user_id);
  }

  /** How many sockets the user holds anywhere, leaving out `exceptSocket`. */
  async socketsOf(userId: string, exceptSocket = ''): Promise<number> {
    const [row] = (await this.manager.query(
      `SELECT count(*)::int AS "held" FROM "presence_sockets" WHERE "user_id" = $1 AND "socket_id" <> $2`,
      [userId, exceptSocket],
    )) as { held: number }[];
    return row?.held ?? 0;
  }

  /**
   * The socket on `instanceId`, connected now; a recovered socket keeps its id and moves
   * there.
   */
  async upsertSocket(socketId: string, userId: string, instanceId: string): Promise<void> {
    await this.manager.query(
      `INSERT INTO "presence_sockets" ("socket_id", "user_id", "instance_id") VALUES ($1, $2, $3)
         ON CONFLICT ("socket_id")
         DO UPDATE SET "instance_id" = EXCLUDED."instance_id", "connected_at" = now()`,
      [socketId, userId, instanceId],
    );
  }

  /**
   * The socket rows of `instanceId`, each with whether it was written more than
   * `settledMs` ago (an admission takes far less: a row that old is of a socket that
   * connected, or of none).
   */
  async socketsOn(
    instanceId: string,
    settledMs: number,
  ): Promise<{ socket_id: string; user_id: string; settled: boolean }[]> {
    return (await this.manager.query(
      `SELECT "socket_id", "user_id",
              "connected_at" < now() - ($2::int * interval '1 millisecond') AS "settled"
         FROM "presence_sockets" WHERE "instance_id" = $1`,
      [instanceId, settledMs],
    )) as { socket_id: string; user_id: string; settled: boolean }[];
  }

  /** Deletes the socket's row of `instanceId` only; false when there was none. */
  async deleteSocket(socketId: string, instanceId: string): Promise<boolean> {
    const [, removed] = (await this.manager.query(
      `DELETE FROM "presence_sockets" WHERE "socket_id" = $1 AND "instance_id" = $2`,
      [socketId, instanceId],
    )) as [unknown, number];
    return removed > 0;
  }

  /** Deletes every socket row of the instance; their users. */
  async deleteSocketsOf(instanceId: string): Promise<string[]> {
    const [gone] = (await this.manager.query(
      `DELETE FROM "presence_sockets" WHERE "instance_id" = $1 RETURNING "user_id"`,
      [instanceId],
    )) as [{ user_id: string }[], number];
    return gone.map((row) => row.user_id);
  }

  async deleteInstance(instanceId: string): Promise<void> {
    await this.manager.query(`DELETE FROM "gateway_instances" WHERE "instance_id" = $1`, [
      instanceId,
    ]);
  }

  /** The instance's heartbeat. */
  async beat(instanceId: string): Promise<void> {
    await this.manager.query(
      `INSERT INTO "gateway_instances" ("instance_id") VALUES ($1)
       ON CONFLICT ("instance_id") DO UPDATE SET "seen_at" = now()`,
      [instanceId],
    );
  }

  /**
   * Removes the instances other than `selfId` silent for `timeoutMs`, with their sockets
   * (and sockets of instances that have no row at all), in one statement.
   */
  async sweep(timeoutMs: number, selfId: string): Promise<SweptSocketRow[]> {
    const [gone] = (await this.manager.query(
      `WITH "dead" AS (
         DELETE FROM "gateway_instances"
          WHERE "seen_at" < now() - ($1::int * interval '1 millisecond') AND "instance_id" <> $2
          RETURNING "instance_id")
       DELETE FROM "presence_sockets" p
        WHERE p."instance_id" IN (SELECT "instance_id" FROM "dead")
           OR (p."instance_id" <> $2 AND NOT EXISTS (
                SELECT 1 FROM "gateway_instances" g WHERE g."instance_id" = p."instance_id"))
       RETURNING "user_id", "instance_id"`,
      [timeoutMs, selfId],
    )) as [SweptSocketRow[], number];
    return gone;
  }
}
