import type { MessageView, SocketAck } from '@scale-chat/contracts';
import { eventually } from '@scale-chat/wait';
import { PAGE_BYTES_MAX } from '../messages/page-bytes';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { ask, sendOver, webSocketOf } from '../testing/heard-messages';
import { ChatMetrics } from './chat-metrics';

jest.setTimeout(180_000);

interface Page {
  readonly items: MessageView[];
  readonly hasMore: boolean;
}

const MESSAGES = 60;
/** 4,000 control characters: 24 KB of JSON a message, each written `\u0001`. */
const HEAVY_BODY = '\u0001'.repeat(4_000);

const LIGHT_MESSAGES = 130;
/** The seqs from `first`, `count` of them. */
const seqsFrom = (first: number, count: number) =>
  Array.from({ length: count }, (_, index) => first + index);

const jsonBytes = (items: readonly MessageView[]) => Buffer.byteLength(JSON.stringify(items));

/**
 * A page of history may be far larger than its count suggests (a security review: 500
 * messages of control characters are 12 MB), and a client may ask for pages without
 * reading them: neither may make a gateway hold more than a few pages for one socket.
 */
describe('pages of history', () => {
  let chat: GatewayFixture;
  let owner: Member;
  let roomId: string;
  let reader: Member;
  /** reader's room of LIGHT_MESSAGES short messages: more than a page holds by default. */
  let lightRoomId: string;

  beforeAll(async () => {
    chat = await GatewayFixture.start({
      MESSAGE_RATE_BURST: '200',
      MESSAGE_RATE_PER_SECOND: '100',
      HISTORY_RATE_BURST: '200',
    });
    owner = await chat.member();
    roomId = await chat.room([owner]);
    const socket = await chat.socket(owner);
    for (let sent = 0; sent < MESSAGES; sent += 1) await sendOver(socket, roomId, HEAVY_BODY);
    socket.disconnect();
    reader = await chat.member();
    lightRoomId = await chat.room([reader]);
    const readerSocket = await chat.socket(reader);
    await Promise.all(
      Array.from({ length: LIGHT_MESSAGES }, (_, index) =>
        sendOver(readerSocket, lightRoomId, `light ${index + 1}`),
      ),
    );
    readerSocket.disconnect();
  });

  afterAll(async () => {
    await chat?.close();
  });

  it('end at about a megabyte, saying there is more, over the socket and REST alike', async () => {
    const socket = await chat.socket(owner);
    const first = await ask<Page>(socket, 'sync', { roomId, afterSeq: 0, limit: 500 });
    if (!first.ok) throw new Error(first.error.message);
    const count = first.items.length;
    expect(count).toBeGreaterThan(1);
    expect(count).toBeLessThan(MESSAGES);
    expect(jsonBytes(first.items)).toBeLessThanOrEqual(PAGE_BYTES_MAX);
    expect(first.hasMore).toBe(true);
    expect(first.items.map((message) => message.seq)).toEqual(
      Array.from({ length: count }, (_, index) => index + 1),
    );
    const rest = await ask<Page>(socket, 'sync', { roomId, afterSeq: count, limit: 500 });
    if (!rest.ok) throw new Error(rest.error.message);
    expect(rest.items.map((message) => message.seq)).toEqual(
      Array.from({ length: MESSAGES - count }, (_, index) => count + index + 1),
    );
    expect(rest.hasMore).toBe(false);

    const changes = await ask<Page>(socket, 'sync', { roomId, afterVersion: 0, limit: 500 });
    if (!changes.ok) throw new Error(changes.error.message);
    expect(changes.items).toHaveLength(count);
    expect(changes.hasMore).toBe(true);

    // The newest page keeps the newest messages, in ascending order as ever.
    const newest = await chat.call('GET', `/api/rooms/${roomId}/messages?limit=200`, owner);
    const page = newest.body as Page;
    expect(newest.status).toBe(200);
    expect(page.items.map((message) => message.seq)).toEqual(
      Array.from({ length: count }, (_, index) => MESSAGES - count + index + 1),
    );
    expect(page.hasMore).toBe(true);
  });

  it('are the newest 50 messages over REST when no limit or cursor is given, saying there is more', async () => {
    const answer = await chat.call('GET', `/api/rooms/${lightRoomId}/messages`, reader);
    expect(answer.status).toBe(200);
    const page = answer.body as Page;
    expect(page.items.map((message) => message.seq)).toEqual(seqsFrom(LIGHT_MESSAGES - 49, 50));
    expect(page.hasMore).toBe(true);
  });

  it('are 100 messages after afterSeq by sync when no limit is given, and at most 500', async () => {
    const socket = await chat.socket(reader);
    const page = await ask<Page>(socket, 'sync', { roomId: lightRoomId, afterSeq: 5 });
    if (!page.ok) throw new Error(page.error.message);
    expect(page.items.map((message) => message.seq)).toEqual(seqsFrom(6, 100));
    expect(page.hasMore).toBe(true);
    expect(
      await ask<Page>(socket, 'sync', { roomId: lightRoomId, afterSeq: 0, limit: 501 }),
    ).toEqual({
      ok: false,
      error: { code: 'bad_request', message: 'limit must not be greater than 500' },
    });
    expect(socket.connected).toBe(true);
  });

  it('are refused to a client that asks for them faster than it reads them', async () => {
    const socket = await chat.socket(owner);
    const refusals = chat.gateway.app.get(ChatMetrics).syncRefusals;
    const refusedBefore = (await refusals.get()).values[0]?.value ?? 0;
    webSocketOf(socket).pause();
    // 40 MB asked for at once, far more than the kernel's buffers take for a client that
    // reads nothing: the rest would wait in the gateway.
    const answers = Array.from(
      { length: 40 },
      () =>
        socket.timeout(120_000).emitWithAck('sync', { roomId, afterSeq: 0, limit: 500 }) as Promise<
          SocketAck<Page>
        >,
    );
    await eventually(
      'a sync refused while answers waited',
      async () => ((await refusals.get()).values[0]?.value ?? 0) > refusedBefore,
      60_000,
    );
    webSocketOf(socket).resume();
    const acks = await Promise.all(answers);

    const refused = acks.filter((ack) => !ack.ok);
    expect(refused.length).toBeGreaterThan(0);
    for (const ack of refused)
      expect(ack).toEqual({
        ok: false,
        error: {
          code: 'rate_limited',
          message:
            'Too many requests: earlier answers are still on their way to this client; try again in 1 s',
          retryAfterSeconds: 1,
        },
      });
    for (const ack of acks)
      if (ack.ok) expect(jsonBytes(ack.items)).toBeLessThanOrEqual(PAGE_BYTES_MAX);
    // Held to a few pages, it was never closed as a client that does not read.
    expect(socket.connected).toBe(true);
  });
});
