import { randomUUID } from 'node:crypto';
import {
  CHAT_ROOM_EVENTS_TOPIC,
  type EventEnvelope,
  type SagaCommand,
} from '@scale-chat/contracts';
import { KafkaConnection, type CommandOutcome } from '@scale-chat/platform';
import {
  startAnotherInstance,
  startTestJwks,
  startTestService,
  TopicLog,
  type TestJwks,
  type TestService,
} from '@scale-chat/platform/testing';
import { eventually } from '@scale-chat/wait';
import { Client } from 'pg';
import { io as connect, type Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { chatGatewayService } from '../app.module';
import type { ChatConfig } from '../chat-config';
import { RoomSagaSteps } from '../rooms/room-saga-steps';
import { ChatSagaController } from '../sagas/chat-saga.controller';

export interface Member {
  readonly userId: string;
  readonly token: string;
}

/** The payload of the next `event` on `socket`; fails after 15 s without one. */
export const nextEvent = <T>(socket: Socket, event: string): Promise<T> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within 15 s`)), 15_000);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });

/** The next `event` on `socket` whose payload `matches` (others are passed over). */
export const nextMatching = <T>(
  socket: Socket,
  event: string,
  matches: (payload: T) => boolean,
): Promise<T> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no matching ${event} within 15 s`));
    }, 15_000);
    const listener = (payload: T) => {
      if (!matches(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });

/**
 * One chat-gateway booted in this process against the real PostgreSQL and Kafka, with a
 * JWKS of its own to sign members' tokens, and rooms made in its database as the room
 * saga leaves them (no auth or orchestrator needed).
 */
export class GatewayFixture {
  private readonly sockets: Socket[] = [];
  private twins: TestService<ChatConfig>[] = [];
  /** Each member's login (`familyId`), so a renewed token belongs to the same one. */
  private readonly logins = new Map<string, string>();
  private published: Promise<TopicLog> | undefined;

  private constructor(
    readonly gateway: TestService<ChatConfig>,
    private readonly jwks: TestJwks,
    private readonly socketTopic: string,
  ) {}

  /** `environment`: more of the gateway's configuration (its rate limits, say). */
  static async start(environment: Record<string, string> = {}): Promise<GatewayFixture> {
    const jwks = await startTestJwks();
    const socketTopic = `test.socketio-${randomUUID().slice(0, 8)}`;
    const gateway = await startTestService(chatGatewayService, {
      AUTH_JWKS_URL: jwks.url,
      SOCKET_IO_TOPIC: socketTopic,
      ...environment,
    });
    return new GatewayFixture(gateway, jwks, socketTopic);
  }

  /**
   * A second instance of the gateway, as a second process of a cluster is: the same
   * database, JWKS, Kafka topics, consumer groups and Socket.IO topic; closed with this.
   */
  async twin(env: Record<string, string> = {}): Promise<TestService<ChatConfig>> {
    const twin = await startAnotherInstance(chatGatewayService, this.gateway, {
      AUTH_JWKS_URL: this.jwks.url,
      SOCKET_IO_TOPIC: this.socketTopic,
      INSTANCE_ID: `${this.gateway.config.instanceId}-twin${this.twins.length + 1}`,
      ...env,
    });
    this.twins.push(twin);
    return twin;
  }

  /** Shuts a twin down, as SIGTERM would (before this fixture closes). */
  async closeTwin(twin: TestService<ChatConfig>): Promise<void> {
    this.twins = this.twins.filter((other) => other !== twin);
    await twin.close();
  }

  async close(): Promise<void> {
    await (await this.published)?.stop();
    for (const socket of this.sockets) socket.disconnect();
    for (const twin of this.twins) await twin.close();
    await this.gateway.close();
    await this.jwks.close();
  }

  /**
   * The room's events as the gateway published them to `chat.room-events`, in the order
   * written, once everything it wrote is in Kafka and read back (the outbox relay deletes
   * each row once sent, so the outbox no longer holds them).
   */
  async roomEvents(roomId: string): Promise<EventEnvelope[]> {
    this.published ??= TopicLog.start(this.gateway.app.get(KafkaConnection).kafka, [
      `${this.gateway.config.kafkaTopicPrefix}${CHAT_ROOM_EVENTS_TOPIC.name}`,
    ]);
    const log = await this.published;
    await log.waitForAllSentBy(this.dataSource);
    return log
      .events()
      .filter((record) => record.key === roomId)
      .map((record) => record.envelope);
  }

  get dataSource(): DataSource {
    return this.gateway.app.get(DataSource);
  }

  /** The rooms feature's saga steps, as the service runs them. */
  get roomSagaSteps(): RoomSagaSteps {
    return this.gateway.app.get(RoomSagaSteps);
  }

  /**
   * Runs the service's handler of a saga command in a transaction of its own: the step
   * alone, without `answerSagaCommand`'s savepoint, repeat check and reply.
   */
  sagaStep(command: SagaCommand): Promise<CommandOutcome> {
    const handler = this.gateway.app.get(ChatSagaController).handlers[command.name];
    if (handler === undefined) throw new Error(`chat-gateway has no step ${command.name}`);
    return this.dataSource.transaction((manager) => handler(command, manager));
  }

  /**
   * Holds the room's row (as a send's batch would) while `during` runs, on a connection of
   * the test's own; `queued(n)` waits until `n` of the gateway's statements wait for the
   * room's lock (`FOR UPDATE` ones, or those LIKE `statement`), so requests can be lined up
   * in a known order behind it.
   * FOR NO KEY UPDATE leaves the memberships' foreign key checks alone.
   */
  async holdingRoom<T>(
    roomId: string,
    during: (queued: (n: number, statement?: string) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    const holder = new Client({ connectionString: this.gateway.database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `SELECT 1 FROM "${this.gateway.config.databaseSchema}"."rooms" WHERE "id" = $1 FOR NO KEY UPDATE`,
        [roomId],
      );
      const queued = (n: number, statement = '%FOR UPDATE%') =>
        eventually(`${n} waiting for the room's lock`, async () => {
          // Not by the holder: a transaction reads pg_stat_activity once.
          const [waiting] = (await this.dataSource.query(
            `SELECT count(*)::int AS "n" FROM pg_stat_activity
              WHERE "datname" = current_database() AND "wait_event_type" = 'Lock'
                AND "query" LIKE $1`,
            [statement],
          )) as { n: number }[];
          return waiting?.n === n;
        });
      const result = await during(queued);
      await holder.query('COMMIT');
      return result;
    } finally {
      await holder.end();
    }
  }

  /** A member with a token issued now, or at `issuedAt` (it expires 900 s after). */
  async member(issuedAt?: Date): Promise<Member> {
    const userId = randomUUID();
    this.logins.set(userId, randomUUID());
    return { userId, token: await this.tokenOf(userId, issuedAt) };
  }

  /**
   * A member chat knows, as the signup saga leaves it: with a profile (its username
   * `username`, or one made up), so it can be added, mentioned or opened a direct room with.
   */
  async knownMember(username = `u${randomUUID().slice(0, 8)}`): Promise<Member> {
    const member = await this.member();
    await this.dataSource.query(
      `INSERT INTO "profiles" ("user_id", "username", "display_name") VALUES ($1, $2, $2)`,
      [member.userId, username],
    );
    return member;
  }

  /** A fresh token of `member`'s login, as a refresh gives it. */
  async renewed(member: Member): Promise<Member> {
    return { userId: member.userId, token: await this.tokenOf(member.userId) };
  }

  private tokenOf(userId: string, issuedAt?: Date): Promise<string> {
    const familyId = this.logins.get(userId) ?? randomUUID();
    return this.jwks.signer.sign({ userId, username: 'member', familyId }, issuedAt);
  }

  /** An active room of `members`, the first its owner, each joined a second after the last. */
  async room(members: readonly Member[]): Promise<string> {
    const roomId = randomUUID();
    await this.dataSource.query(
      `INSERT INTO "rooms" ("id", "name", "owner_id", "status") VALUES ($1, 'ours', $2, 'active')`,
      [roomId, members[0]?.userId],
    );
    for (const [index, member] of members.entries()) {
      await this.dataSource.query(
        `INSERT INTO "room_members" ("room_id", "user_id", "role", "status", "joined_at")
         VALUES ($1, $2, $3, 'active', now() - make_interval(secs => $4))`,
        [roomId, member.userId, index === 0 ? 'owner' : 'member', 100 - index],
      );
    }
    return roomId;
  }

  /**
   * A connected socket of `member` (in its rooms by then), on this instance or `url`'s.
   * `reconnecting`: it reconnects at once when its connection drops, with Socket.IO's
   * connection-state recovery; otherwise it stays disconnected. Each handshake hands over
   * what `token` gives then (`member.token` by default).
   */
  async socket(
    member: Member,
    url = this.gateway.url,
    {
      reconnecting = false,
      token = () => member.token,
    }: { reconnecting?: boolean; token?: () => string | Promise<string> } = {},
  ): Promise<Socket> {
    const socket = connect(url, {
      transports: ['websocket'],
      forceNew: true,
      ...(reconnecting ? { reconnectionDelay: 100 } : { reconnection: false }),
      auth: (callback) => {
        void Promise.resolve(token()).then((current) => callback({ token: current }));
      },
    });
    this.sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return socket;
  }

  /**
   * A REST call as `member` (to this instance, or the one at `url`), with a JSON body if
   * given; the answer parsed when there is one.
   */
  async call(
    method: string,
    path: string,
    member: Member,
    body?: unknown,
    url = this.gateway.url,
  ): Promise<{ status: number; body: unknown }> {
    const response = await this.request(method, path, member, body, url);
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
  }

  /** As `call`, the response as it came (its headers, say). */
  request(
    method: string,
    path: string,
    member: Member,
    body?: unknown,
    url = this.gateway.url,
  ): Promise<Response> {
    return fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${member.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }
}
