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
import { PresenceRepository } from './presence.repository';

/** Users announced offline together, under their locks, in one transaction. */
const ANNOUNCE_CHUNK = 100;

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
  /** The heartbeat under way, which a shutdown waits for before letting go of the rows. */
  private heartbeat: Promise<void> | undefined;
  private closing = false;
  private readonly instanceId: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly presence: PresenceRepository,
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
    const stale = await this.presence.deleteSocketsOf(this.instanceId);
    await this.beat();
    await this.announceOfflineIfGone(stale);
    this.timer = setInterval(() => {
      // One at a time: a heartbeat that takes longer than the interval (thousands of rows
      // to put right) is not overtaken by the next, which would put them right again.
      if (this.heartbeat !== undefined) return;
      this.heartbeat = this.beat()
        .then(() => this.sweep())
        .then(() => this.reconcile())
        .catch((error: unknown) => this.logger.warn({ err: error }, 'presence heartbeat failed'))
        .finally(() => (this.heartbeat = undefined));
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
    // A heartbeat's reconcile under way would give rows back to sockets still open.
    this.closing = true;
    await this.heartbeat;
    const gone = await this.presence.deleteSocketsOf(this.instanceId);
    await this.presence.deleteInstance(this.instanceId);
    await this.announceOfflineIfGone(gone);
  }

  /**
   * Records a new socket of `userId`; false when the user already holds
   * SOCKETS_PER_USER_MAX of them (the socket is then refused). The first one anywhere
   * makes the user online.
   */
  async connected(socketId: string, userId: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const presence = this.presence.in(manager);
      await presence.lockUser(userId);
      const held = await presence.socketsOf(userId, socketId);
      if (held >= this.config.extra.SOCKETS_PER_USER_MAX) return false;
      // A recovered socket keeps its id: it moves to this instance.
      await presence.upsertSocket(socketId, userId, this.instanceId);
      if (held === 0) await this.announce(userId, true, manager);
      return true;
    });
  }

  /**
   * The socket is gone; the user's last one anywhere makes it offline. Whether its row
   * went: not when the id is connected here again (recovered on this instance before its
   * old transport's close was noticed, a ping timeout coming late: the row is the new
   * socket's), nor when it lives on another instance now (recovered there).
   */
  async disconnected(socketId: string, userId: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const presence = this.presence.in(manager);
      await presence.lockUser(userId);
      if (this.live.isLocal(socketId)) return false;
      const removed = await presence.deleteSocket(socketId, this.instanceId);
      if (removed && (await presence.socketsOf(userId)) === 0)
        await this.announce(userId, false, manager);
      return removed;
    });
  }

  private async beat(): Promise<void> {
    await this.presence.beat(this.instanceId);
  }

  /** Removes instances that stopped beating, with their sockets. */
  private async sweep(): Promise<void> {
    const gone = await this.presence.sweep(this.config.extra.PRESENCE_TIMEOUT_MS, this.instanceId);
    if (gone.length === 0) return;
    this.logger.warn(
      { instances: [...new Set(gone.map((row) => row.instance_id))], sockets: gone.length },
      'swept the sockets of gateway instances that stopped beating',
    );
    await this.announceOfflineIfGone(gone.map((row) => row.user_id));
  }

  /**
   * This instance's rows made to match its sockets, each heartbeat, where they differ:
   * - a row of a socket it does not hold, written longer ago than an admission takes,
   *   goes, as its disconnect would have done (one that failed, the database away);
   * - a socket it holds with no row gets one back, online again if it was the user's
   *   only one: the others swept this instance while it lived (its heartbeats failed for
   *   PRESENCE_TIMEOUT_MS), or a recovered socket's late disconnect took its row.
   * One read of the instance's rows a heartbeat (socket ids and users).
   */
  async reconcile(): Promise<void> {
    const local = this.live.localSockets();
    const rows = await this.presence.socketsOn(
      this.instanceId,
      this.config.extra.PRESENCE_TIMEOUT_MS,
    );
    const recorded = new Set(rows.map((row) => row.socket_id));
    let changed = 0;
    for (const row of rows) {
      if (!row.settled || local.has(row.socket_id)) continue;
      // As its disconnect would have removed it.
      if (await this.disconnected(row.socket_id, row.user_id)) changed += 1;
    }
    for (const [socketId, userId] of local) {
      if (recorded.has(socketId)) continue;
      if (await this.restore(socketId, userId)) changed += 1;
    }
    if (changed > 0)
      this.logger.warn({ sockets: changed }, "put this instance's presence rows right");
  }

  /** A row again for a socket this instance holds; false when it is gone meanwhile. */
  private async restore(socketId: string, userId: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const presence = this.presence.in(manager);
      await presence.lockUser(userId);
      // Under the lock: a disconnect from here on waits for this row, and removes it.
      if (this.closing || !this.live.isLocal(socketId)) return false;
      // Its own row counted too, if it has one again: online is said once.
      const held = await presence.socketsOf(userId);
      await presence.upsertSocket(socketId, userId, this.instanceId);
      if (held === 0) await this.announce(userId, true, manager);
      return true;
    });
  }

  /**
   * Offline, each of the users who has no socket left. Under the users' locks, as connect
   * and disconnect announce (else a connect committed between the count and the
   * announcement would be heard online, then offline): a hundred users a transaction,
   * their locks taken in one order and their sockets counted in one statement, so a
   * thousand users' connects do not wait for every one of them.
   */
  private async announceOfflineIfGone(userIds: readonly string[]): Promise<void> {
    const users = [...new Set(userIds)].sort();
    for (let from = 0; from < users.length; from += ANNOUNCE_CHUNK) {
      const chunk = users.slice(from, from + ANNOUNCE_CHUNK);
      await this.dataSource.transaction(async (manager) => {
        const presence = this.presence.in(manager);
        await presence.lockUsers(chunk);
        let told = false;
        for (const userId of await presence.withoutSockets(chunk))
          told = (await this.tell(userId, false, manager)) || told;
        if (told) await this.inKafka();
      });
    }
  }

  /**
   * Tells the user's rooms, and waits (under the user's lock) until Kafka has it. Connect
   * and disconnect call it under the user's lock, so a quick reload (the old socket's
   * offline, the new one's online) is announced in the order it happened, never
   * online-then-offline: also when the two are on different instances, as every instance
   * delivers broadcasts in the adapter topic's order and the second cannot be published
   * before the first is in it.
   */
  private async announce(userId: string, online: boolean, manager: EntityManager): Promise<void> {
    if (await this.tell(userId, online, manager)) await this.inKafka();
  }

  /** Broadcasts the change to the user's rooms; false when it shares none. */
  private async tell(userId: string, online: boolean, manager: EntityManager): Promise<boolean> {
    // With the lock's own connection: waiting for another from the pool while holding the
    // lock would deadlock a burst of one user's connects that took every connection.
    return this.live.presence(await this.rooms.roomIdsOf(userId, manager), userId, online);
  }

  /**
   * Until what this instance broadcast so far is in Kafka (usually one produce request),
   * PRESENCE_ORDER_WAIT_MS at most, and not at all when that cannot be in time (Kafka
   * away or not answering: see `KafkaAdapter.publishedWithin`). Past it, a change on
   * another instance right after this one may reach the others first, and stays so until
   * the user's next change.
   */
  private async inKafka(): Promise<void> {
    const waitMs = this.config.extra.PRESENCE_ORDER_WAIT_MS;
    if (waitMs === 0) return;
    const started = performance.now();
    if (await this.live.publishedWithin(waitMs)) return;
    // Waited in vain (a backlog, a broker gone quiet just now); at once, Kafka was known away.
    if (performance.now() - started >= waitMs)
      this.logger.warn({ waitMs }, 'a presence change went ahead before Kafka had it');
  }
}
