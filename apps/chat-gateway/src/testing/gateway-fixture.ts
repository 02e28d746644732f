import { randomUUID } from 'node:crypto';
import {
  startTestJwks,
  startTestService,
  type TestJwks,
  type TestService,
} from '@scale-chat/platform/testing';
import { io as connect, type Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { chatGatewayService } from '../app.module';
import type { ChatConfig } from '../chat-config';

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

/**
 * One chat-gateway booted in this process against the real PostgreSQL and Kafka, with a
 * JWKS of its own to sign members' tokens, and rooms made in its database as the room
 * saga leaves them (no auth or orchestrator needed).
 */
export class GatewayFixture {
  private readonly sockets: Socket[] = [];
  private readonly others: TestService<ChatConfig>[] = [];

  private constructor(
    readonly gateway: TestService<ChatConfig>,
    private readonly jwks: TestJwks,
  ) {}

  static async start(): Promise<GatewayFixture> {
    const jwks = await startTestJwks();
    const gateway = await startTestService(chatGatewayService, {
      AUTH_JWKS_URL: jwks.url,
      SOCKET_IO_TOPIC: `test.socketio-${randomUUID().slice(0, 8)}`,
    });
    return new GatewayFixture(gateway, jwks);
  }

  /**
   * Another instance of the same gateway: its own process state (and instance id), the
   * same database, Kafka topics and JWKS, as the instances of a cluster share them.
   */
  async otherInstance(): Promise<TestService<ChatConfig>> {
    const other = await startTestService(chatGatewayService, {
      AUTH_JWKS_URL: this.jwks.url,
      SOCKET_IO_TOPIC: this.gateway.config.extra.SOCKET_IO_TOPIC,
      DATABASE_URL: this.gateway.database.url,
      INSTANCE_ID: `chat-gateway-other-${this.others.length}-${process.pid}`,
    });
    this.others.push(other);
    return other;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.disconnect();
    for (const other of this.others) await other.close();
    await this.gateway.close();
    await this.jwks.close();
  }

  get dataSource(): DataSource {
    return this.gateway.app.get(DataSource);
  }

  async member(): Promise<Member> {
    const userId = randomUUID();
    const familyId = randomUUID();
    return { userId, token: await this.jwks.signer.sign({ userId, username: 'member', familyId }) };
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

  /** A connected socket of `member` (in its rooms by then), to `baseUrl`, another instance. */
  async socket(member: Member, baseUrl = this.gateway.url): Promise<Socket> {
    const socket = connect(baseUrl, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { token: member.token },
    });
    this.sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return socket;
  }

  /** A REST call as `member` (to `baseUrl`, another instance); the body parsed when there is one. */
  async call(
    method: string,
    path: string,
    member: Member,
    body?: unknown,
    baseUrl = this.gateway.url,
  ): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${member.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
  }
}
