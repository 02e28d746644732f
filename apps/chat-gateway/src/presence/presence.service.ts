import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { SERVICE_CONFIG } from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource, EntityManager } from 'typeorm';
import type { ChatConfig } from '../chat-config';
import { LiveRooms } from '../realtime/live-rooms';
import { RoomsService } from '../rooms/rooms.service';

/**
 * Who is online, across every gateway instance: each socket is a row (with the instance
 * holding it) in PostgreSQL, written under a per-user lock so that exactly one change
 * is "the first socket anywhere" or "the last one gone". Each instance beats a heartbeat;
 * one that stops beating for PRESENCE_TIMEOUT_MS is swept by the others, and its users
 * who have no socket left anywhere go offline. The same rows cap sockets per user.
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private readonly instanceId: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: ChatConfig,
    private readonly live: LiveRooms,
    private readonly rooms: RoomsService,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('presence');
    this.instanceId = config.instanceId;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Sockets of an earlier life of this instance (killed, not stopped) are gone.
    const [stale] = (await this.dataSource.query(
      `DELETE FROM "presence_sockets" WHERE "instance_id" = $1 RETURNING "user_id"`,
      [this.instanceId],
    )) as [{ user_id: string }[], number];
    await this.beat();
    await this.announceOfflineIfGone(stale.map((row) => row.user_id));
    this.timer = setInterval(() => {
      this.beat()
        .then(() => this.sweep())
        .catch((error: unknown) => this.logger.warn({ err: error }, 'presence heartbeat failed'));
    }, this.config.extra.PRESENCE_HEARTBEAT_MS);
    this.timer.unref();
  }

  /**
   * Before the server closes this instance's sockets: their rows go now (their own
   * disconnects will find nothing), and the users left with no socket anywhere go offline
   * until their clients reconnect to another instance.
   */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    const [gone] = (await this.dataSource.query(
      `DELETE FROM "presence_sockets" WHERE "instance_id" = $1 RETURNING "user_id"`,
      [this.instanceId],
    )) as [{ user_id: string }[], number];
    await this.dataSource.query(`DELETE FROM "gateway_instances" WHERE "instance_id" = $1`, [
      this.instanceId,
    ]);
    await this.announceOfflineIfGone(gone.map((row) => row.user_id));
  }

  /**
   * Records a new socket of `userId`; false when the user already holds
   * SOCKETS_PER_USER_MAX of them (the socket is then refused). The first one anywhere
   * makes the user online.
   */
  async connected(socketId: string, userId: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      await lockUser(manager, userId);
      const held = await socketsOf(manager, userId, socketId);
      if (held >= this.config.extra.SOCKETS_PER_USER_MAX) return false;
      // A recovered socket keeps its id: it moves to this instance.
      await manager.query(
        `INSERT INTO "presence_sockets" ("socket_id", "user_id", "instance_id") VALUES ($1, $2, $3)
         ON CONFLICT ("socket_id") DO UPDATE SET "instance_id" = EXCLUDED."instance_id"`,
        [socketId, userId, this.instanceId],
      );
      if (held === 0) await this.announce(userId, true, manager);
      return true;
    });
  }

  /** The socket is gone; the user's last one anywhere makes it offline. */
  async disconnected(socketId: string, userId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await lockUser(manager, userId);
      // Only this instance's row: the socket may already live on another one (recovered).
      const [, removed] = (await manager.query(
        `DELETE FROM "presence_sockets" WHERE "socket_id" = $1 AND "instance_id" = $2`,
        [socketId, this.instanceId],
      )) as [unknown, number];
      if (removed > 0 && (await socketsOf(manager, userId)) === 0)
        await this.announce(userId, false, manager);
    });
  }

  private async beat(): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "gateway_instances" ("instance_id") VALUES ($1)
       ON CONFLICT ("instance_id") DO UPDATE SET "seen_at" = now()`,
      [this.instanceId],
    );
  }

  /** Removes instances that stopped beating, with their sockets. */
  private async sweep(): Promise<void> {
    const [gone] = (await this.dataSource.query(
      `WITH "dead" AS (
         DELETE FROM "gateway_instances"
          WHERE "seen_at" < now() - ($1::int * interval '1 millisecond') AND "instance_id" <> $2
          RETURNING "instance_id")
       DELETE FROM "presence_sockets" p
        WHERE p."instance_id" IN (SELECT "instance_id" FROM "dead")
           OR (p."instance_id" <> $2 AND NOT EXISTS (
                SELECT 1 FROM "gateway_instances" g WHERE g."instance_id" = p."instance_id"))
       RETURNING "user_id", "instance_id"`,
      [this.config.extra.PRESENCE_TIMEOUT_MS, this.instanceId],
    )) as [{ user_id: string; instance_id: string }[], number];
    if (gone.length === 0) return;
    this.logger.warn(
      { instances: [...new Set(gone.map((row) => row.instance_id))], sockets: gone.length },
      'swept the sockets of gateway instances that stopped beating',
    );
    await this.announceOfflineIfGone(gone.map((row) => row.user_id));
  }

  private async announceOfflineIfGone(userIds: readonly string[]): Promise<void> {
    for (const userId of new Set(userIds)) {
      if ((await socketsOf(this.dataSource.manager, userId)) === 0) {
        await this.announce(userId, false);
      }
    }
  }

  /**
   * Tells the user's rooms. Connect and disconnect call it under the user's lock, so a
   * quick reload (the old socket's offline, the new one's online) is announced in the
   * order it happened, never online-then-offline.
   */
  private async announce(userId: string, online: boolean, manager?: EntityManager): Promise<void> {
    // With the lock's own connection: waiting for another from the pool while holding the
    // lock would deadlock a burst of one user's connects that took every connection.
    this.live.presence(await this.rooms.roomIdsOf(userId, manager), userId, online);
  }
}

/** Serializes presence changes of one user across every instance, until the transaction ends. */
async function lockUser(manager: EntityManager, userId: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`presence:${userId}`]);
}

/** How many sockets the user holds anywhere, leaving out `exceptSocket`. */
async function socketsOf(
  manager: EntityManager,
  userId: string,
  exceptSocket = '',
): Promise<number> {
  const [row] = (await manager.query(
    `SELECT count(*)::int AS "held" FROM "presence_sockets" WHERE "user_id" = $1 AND "socket_id" <> $2`,
    [userId, exceptSocket],
  )) as { held: number }[];
  return row?.held ?? 0;
}
