import type { RoomSummaryView, RoomView } from '@scale-chat/contracts';
import { io } from 'socket.io-client';
import type { ApiClient } from './api';
import { ApiError } from './api-error';
import { DELETED_ACCOUNT, nameOfUser } from './chat-state';
import { ChatStore } from './chat-store';
import { MemoryStorage } from './memory-storage.fixture';
import { messageView as message, OTHER_ID as OTHER, ROOM_ID as ROOM } from './message-view.fixture';
import { keptSendsIn } from './send-queue';
import type { User } from './validate';

/**
 * The store's catch-up by `version` after a reconnection (API.md v1.1 `sync` by
 * `afterVersion`), with the socket and the REST client replaced by fakes: the logic alone.
 */
jest.mock('socket.io-client', () => ({ io: jest.fn() }));

const ME = 'me';

const LOADED = [message(1, 1), message(2, 2), message(3, 3, { senderId: ME })];

const summary: RoomSummaryView = {
  id: ROOM,
  kind: 'group',
  name: 'Lunch',
  lastSeq: 3,
  lastVersion: 3,
  unreadCount: 0,
  mentionCount: 0,
  lastMessage: LOADED[2] ?? null,
  memberCount: 2,
};

const view: RoomView = {
  id: ROOM,
  kind: 'group',
  name: 'Lunch',
  ownerId: ME,
  members: [ME, OTHER].map((userId) => ({
    userId,
    role: 'member',
    joinedAt: '2026-12-05T00:00:00.000Z',
    online: true,
    lastReadSeq: 3,
  })),
  lastSeq: 3,
  lastVersion: 3,
  createdAt: '2026-12-05T00:00:00.000Z',
};

/** The server's side of an acknowledged event, answered when the test says. */
interface Asked {
  readonly event: string;
  readonly payload: Record<string, unknown>;
  readonly answer: (value: unknown) => void;
}

/** What the store uses of a Socket.IO client: handlers, acknowledged emits, the state. */
class FakeSocket {
  connected = false;
  recovered = false;
  /** Socket.IO's: false once the server refused the connection (it does not retry then). */
  active = true;
  connects = 0;
  /** Set: every connect is refused with this message. */
  refusing: string | undefined;
  readonly asked: Asked[] = [];
  private readonly handlers = new Map<string, (...args: unknown[]) => void>();

  on(event: string, handler: (...args: unknown[]) => void): this {
    this.handlers.set(event, handler);
    return this;
  }

  timeout(): {
    emitWithAck: (event: string, payload: Record<string, unknown>) => Promise<unknown>;
  } {
    return {
      emitWithAck: (event, payload) =>
        new Promise((answer) => this.asked.push({ event, payload, answer })),
    };
  }

  /** How the server answers plain emits (`typing`, `read`), by event: ok unless set. */
  readonly emitAnswers = new Map<string, unknown>();

  /** Every plain emit, in order. */
  readonly emitted: { event: string; payload: unknown }[] = [];

  emit(event: string, payload: unknown, ack?: (answer: unknown) => void): void {
    this.emitted.push({ event, payload });
    ack?.(this.emitAnswers.get(event) ?? { ok: true });
  }

  connect(): void {
    this.connects += 1;
    if (this.refusing !== undefined) {
      this.refuse(this.refusing);
      return;
    }
    this.active = true;
    this.connected = true;
    this.recovered = false;
    this.fire('connect');
  }

  /** The server refuses the handshake, as a gateway's middleware does. */
  refuse(message: string): void {
    this.connected = false;
    this.active = false;
    this.fire('disconnect', 'transport close');
    this.fire('connect_error', new Error(message));
  }

  removeAllListeners(): this {
    this.handlers.clear();
    return this;
  }

  /** An event from the server. */
  fire(event: string, ...args: unknown[]): void {
    this.handlers.get(event)?.(...args);
  }

  drop(): void {
    this.connected = false;
    this.fire('disconnect', 'transport close');
  }

  disconnect(): void {
    this.connected = false;
  }

  /** The oldest question of `event` not answered yet. */
  question(event: string): Asked | undefined {
    return this.asked.find((asked) => asked.event === event);
  }

  answer(event: string, body: Record<string, unknown>): Record<string, unknown> {
    const asked = this.question(event);
    if (asked === undefined) throw new Error(`the store has not asked ${event}`);
    this.asked.splice(this.asked.indexOf(asked), 1);
    asked.answer({ ok: true, ...body });
    return asked.payload;
  }
}

/**
 * The REST answers the store asks for, by path: at first the room list, the room and its
 * latest page; a test changes them (an answer may be a promise, to hold it back).
 */
function fakeApi(asked: string[], answers: Map<string, unknown>): ApiClient {
  const get = async (path: string, guard?: (value: unknown) => boolean) => {
    asked.push(path);
    if (!answers.has(path)) throw new ApiError(404, 'not found');
    const value: unknown = await answers.get(path);
    if (guard !== undefined && !guard(value)) throw new Error(`a bad fake answer for ${path}`);
    return value;
  };
  return {
    accessToken: 'token',
    currentAccessToken: () => Promise.resolve('renewed token'),
    user: { id: ME },
    refresh: () => Promise.resolve(true),
    get,
  } as unknown as ApiClient;
}

const me: User = {
  id: ME,
  username: 'me',
  displayName: 'Me',
  status: 'active',
  createdAt: '2026-12-05T00:00:00.000Z',
};

const other: User = {
  id: OTHER,
  username: 'ann',
  displayName: 'Ann',
  status: 'active',
  createdAt: '2026-12-05T00:00:00.000Z',
};

const firstAnswers = () =>
  new Map<string, unknown>([
    [`/api/users/${OTHER}`, other],
    ['/api/rooms', { items: [summary] }],
    [`/api/rooms/${ROOM}`, view],
    [`/api/rooms/${ROOM}/messages?limit=50`, { items: LOADED, hasMore: false }],
  ]);

/** Lets the store's awaits run, a turn of the event loop at a time, until `check` holds. */
async function until(check: () => boolean): Promise<void> {
  for (let turn = 0; turn < 200 && !check(); turn += 1)
    await new Promise((resolve) => setTimeout(resolve, 0));
  expect(check()).toBe(true);
}

describe('ChatStore catch-up by version after a reconnection', () => {
  let socket: FakeSocket;
  let store: ChatStore;
  let restAsked: string[];
  let answers: Map<string, unknown>;
  const items = () => store.snapshot().messages.get(ROOM)?.items ?? [];
  const pending = () => store.snapshot().pending;

  beforeAll(() => {
    // The few browser globals the store touches; nothing else of a page is needed.
    Object.assign(globalThis, {
      window: { addEventListener: () => undefined, removeEventListener: () => undefined },
      document: { visibilityState: 'visible' },
      navigator: { onLine: true },
    });
  });

  afterEach(() => {
    (globalThis as unknown as { document: { visibilityState: string } }).document.visibilityState =
      'visible';
    jest.useRealTimers();
  });

  beforeEach(async () => {
    socket = new FakeSocket();
    jest.mocked(io).mockReturnValue(socket as unknown as ReturnType<typeof io>);
    restAsked = [];
    answers = firstAnswers();
    store = new ChatStore(fakeApi(restAsked, answers), me, undefined);
    store.start();
    socket.connect();
    await store.open(ROOM);
    expect(items().map((item) => item.seq)).toEqual([1, 2, 3]);
  });

  afterEach(() => store.stop());

  it('keeps what is not sent across a reload of the page, and sends it under the same clientMsgId', async () => {
    const storage = new MemoryStorage();
    const offline = new FakeSocket();
    jest.mocked(io).mockReturnValue(offline as unknown as ReturnType<typeof io>);
    const before = new ChatStore(fakeApi([], firstAnswers()), me, undefined, keptSendsIn(storage));
    before.start();
    before.send(ROOM, 'written offline');
    before.send(ROOM, 'and this');
    const written = before.snapshot().pending.map((item) => item.clientMsgId);
    expect(written).toHaveLength(2);
    before.stop();

    // The page is reloaded: a new store over the tab's storage, which connects.
    const online = new FakeSocket();
    jest.mocked(io).mockReturnValue(online as unknown as ReturnType<typeof io>);
    const after = new ChatStore(fakeApi([], firstAnswers()), me, undefined, keptSendsIn(storage));
    expect(after.snapshot().pending.map((item) => [item.clientMsgId, item.state])).toEqual([
      [written[0], 'sending'],
      [written[1], 'sending'],
    ]);
    after.start();
    online.connect();
    await until(() => online.question('message:send') !== undefined);
    const stored = message(4, 4, {
      senderId: ME,
      body: 'written offline',
      clientMsgId: written[0] ?? '',
    });
    expect(online.answer('message:send', { message: stored })).toMatchObject({
      clientMsgId: written[0],
      body: 'written offline',
    });
    await until(() => online.question('message:send') !== undefined);
    // Another reload now sends only the second: the first is stored.
    const again = new ChatStore(fakeApi([], firstAnswers()), me, undefined, keptSendsIn(storage));
    expect(again.snapshot().pending.map((item) => item.clientMsgId)).toEqual([written[1]]);
    after.stop();
  });

  it('drops the kept messages of a room this user left before the reload, once the room list says so', async () => {
    const storage = new MemoryStorage();
    const offline = new FakeSocket();
    jest.mocked(io).mockReturnValue(offline as unknown as ReturnType<typeof io>);
    const before = new ChatStore(fakeApi([], firstAnswers()), me, undefined, keptSendsIn(storage));
    before.start();
    before.send(ROOM, 'to a room still mine');
    before.send('room-left-in-another-tab', 'to a room left since');
    before.stop();

    const answersNow = firstAnswers();
    const reloaded = new ChatStore(fakeApi([], answersNow), me, undefined, keptSendsIn(storage));
    expect(reloaded.snapshot().pending.map((item) => item.roomId)).toEqual([
      ROOM,
      'room-left-in-another-tab',
    ]);
    await reloaded.loadRooms();
    expect(reloaded.snapshot().pending.map((item) => [item.roomId, item.body])).toEqual([
      [ROOM, 'to a room still mine'],
    ]);
    // Kept for the next reload as shown: the left room's message is gone from the tab too.
    const again = new ChatStore(fakeApi([], firstAnswers()), me, undefined, keptSendsIn(storage));
    expect(again.snapshot().pending.map((item) => item.roomId)).toEqual([ROOM]);
    // A send queued after the list for a room the list has not caught up with is kept
    // (the listed room the next list lacks is one this user was taken out of: its go).
    answersNow.set('/api/rooms', { items: [] });
    reloaded.send('room-created-just-now', 'to a new room');
    await reloaded.loadRooms();
    expect(reloaded.snapshot().pending.map((item) => item.roomId)).toEqual([
      'room-created-just-now',
    ]);
  });

  it('keeps nothing for the tab once the session has ended, whatever answer comes after', async () => {
    const storage = new MemoryStorage();
    const kept = keptSendsIn(storage);
    const api = fakeApi([], firstAnswers());
    const online = new FakeSocket();
    jest.mocked(io).mockReturnValue(online as unknown as ReturnType<typeof io>);
    const ending = new ChatStore(api, me, undefined, kept);
    ending.start();
    online.connect();
    ending.send(ROOM, 'in flight at logout');
    await until(() => online.question('message:send') !== undefined);
    expect(storage.items.size).toBe(1);
    // Logged out (here or in another tab): App.tsx forgets what the tab kept; the screen
    // goes a moment later, and the answer comes in between.
    Object.assign(api, { user: null });
    kept.forget();
    const [sending] = ending.snapshot().pending;
    online.answer('message:send', {
      message: message(4, 4, {
        senderId: ME,
        body: 'in flight at logout',
        clientMsgId: sending?.clientMsgId ?? '',
      }),
    });
    await until(() => ending.snapshot().pending.every((item) => item.state === 'sent'));
    expect(storage.items.size).toBe(0);
    ending.stop();
  });

  it('asks before the page is left with a message still to send, not for one the server refused', async () => {
    const listeners = new Map<string, (event: unknown) => void>();
    const page = globalThis as unknown as { window: Record<string, unknown> };
    const before = page.window;
    page.window = {
      ...before,
      addEventListener: (type: string, listener: (event: unknown) => void) =>
        listeners.set(type, listener),
    };
    try {
      const offline = new FakeSocket();
      jest.mocked(io).mockReturnValue(offline as unknown as ReturnType<typeof io>);
      const leaving = new ChatStore(fakeApi([], firstAnswers()), me, undefined);
      leaving.start();
      const leave = () => {
        const event = { preventDefault: jest.fn() };
        listeners.get('beforeunload')?.(event);
        return event.preventDefault.mock.calls.length > 0;
      };
      expect(leave()).toBe(false);
      leaving.send(ROOM, 'not sent yet');
      expect(leave()).toBe(true);
      // Refused by the server for good: it goes nowhere by itself, and leaving asks nothing.
      offline.connect();
      await until(() => offline.question('message:send') !== undefined);
      const asked = offline.question('message:send');
      offline.asked.splice(offline.asked.indexOf(asked as never), 1);
      asked?.answer({ ok: false, error: { code: 'forbidden', message: 'not a member' } });
      await until(() => leaving.snapshot().pending[0]?.state === 'failed');
      expect(leave()).toBe(false);
      leaving.stop();
    } finally {
      page.window = before;
    }
  });

  it('hands each handshake the token as renewed for it, not the one it had', async () => {
    const [options] = jest.mocked(io).mock.calls.at(-1) as unknown as [
      { auth: (callback: (data: object) => void) => void },
    ];
    const handed = await new Promise<object>((resolve) => options.auth(resolve));
    expect(handed).toEqual({ token: 'renewed token' });
  });
  it('merges every page after the held version, drops a stale version and keeps what is not sent yet', async () => {
    socket.drop();
    store.send(ROOM, 'stored, but its answer was lost');
    store.send(ROOM, 'not stored yet');
    const [lost, unsent] = pending();
    if (lost === undefined || unsent === undefined) throw new Error('no pending sends');

    socket.connect();
    await until(() => socket.question('sync') !== undefined);
    // While the first page is on its way, this user's edit of seq 3 is acknowledged (v8).
    const editing = store.editMessage(ROOM, 3, 'mine, edited');
    socket.answer('message:edit', {
      message: message(3, 8, { senderId: ME, body: 'mine, edited', editedAt: 'x' }),
    });
    expect(await editing).toBe(true);

    const first = socket.answer('sync', {
      items: [
        message(2, 4, { body: 'm2, edited', editedAt: 'x' }),
        // Computed before the edit above: an older state of seq 3, not to undo it.
        message(3, 5, { senderId: ME, reactions: [{ emoji: '👍', userIds: [OTHER] }] }),
        message(4, 6, { senderId: ME, body: lost.body, clientMsgId: lost.clientMsgId }),
      ],
      hasMore: true,
      lastVersion: 9,
    });
    expect(first).toEqual({ roomId: ROOM, afterVersion: 3, limit: 200 });
    await until(() => socket.question('sync') !== undefined);
    expect(items().find((item) => item.seq === 3)).toMatchObject({
      body: 'mine, edited',
      version: 8,
    });
    // The next page starts after the newest version merged, not the edit's (not live).
    const second = socket.answer('sync', {
      items: [message(5, 7), message(3, 8, { senderId: ME, body: 'mine, edited' })],
      hasMore: false,
      lastVersion: 9,
    });
    expect(second).toEqual({ roomId: ROOM, afterVersion: 6, limit: 200 });

    // The send the server stored is settled by the sync; the other goes out after it.
    await until(() => socket.question('message:send') !== undefined);
    expect(items().map((item) => [item.seq, item.body, item.version])).toEqual([
      [1, 'm1', 1],
      [2, 'm2, edited', 4],
      [3, 'mine, edited', 8],
      [4, lost.body, 6],
      [5, 'm5', 7],
    ]);
    expect(pending().map((item) => item.clientMsgId)).toEqual([unsent.clientMsgId]);
    const stored = message(6, 10, {
      senderId: ME,
      body: unsent.body,
      clientMsgId: unsent.clientMsgId,
    });
    expect(socket.answer('message:send', { message: stored })).toMatchObject({
      clientMsgId: unsent.clientMsgId,
      body: 'not stored yet',
    });
    await until(() => pending().length === 0);
    expect(items().at(-1)).toEqual(stored);
  });

  it('fills a gap in the versions seen live with a sync, and syncs again for a gap seen during one', async () => {
    // Version 5 after 3: version 4 was missed.
    socket.fire('message:new', message(5, 5));
    await until(() => socket.question('sync') !== undefined);
    expect(items().map((item) => item.seq)).toEqual([1, 2, 3]);
    // Another gap while that sync runs: asked again once it is done, from where it ended.
    socket.fire('message:new', message(7, 7));
    socket.answer('sync', {
      items: [message(4, 4), message(5, 5)],
      hasMore: false,
      lastVersion: 5,
    });
    await until(() => socket.question('sync') !== undefined);
    expect(
      socket.answer('sync', {
        items: [message(6, 6), message(7, 7)],
        hasMore: false,
        lastVersion: 7,
      }),
    ).toEqual({
      roomId: ROOM,
      afterVersion: 5,
      limit: 200,
    });
    await until(() => items().length === 7);
    expect(items().map((item) => item.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('asks for the room list again when a live edit in a room not looked at names me, or no longer does', async () => {
    await store.open(null);
    const roomLists = () => restAsked.filter((path) => path === '/api/rooms').length;
    const before = roomLists();
    socket.fire('message:updated', message(2, 4, { body: 'm2 @me', mentions: [ME] }));
    await until(() => roomLists() === before + 1);
    socket.fire('message:updated', message(2, 5, { body: 'm2' }));
    await until(() => roomLists() === before + 2);
    // A reaction changes no mention: no need to ask.
    socket.fire('message:updated', message(1, 6, { reactions: [{ emoji: '👍', userIds: [ME] }] }));
    await until(() => items()[0]?.version === 6);
    expect(roomLists()).toBe(before + 2);
  });

  const room = () => store.snapshot().rooms.find((each) => each.id === ROOM);

  it('forgets a room it was removed from while away, when its sync is refused, and asks no more', async () => {
    socket.drop();
    socket.connect();
    await until(() => socket.question('sync') !== undefined);
    const asked = socket.question('sync');
    socket.asked.splice(0);
    asked?.answer({ ok: false, error: { code: 'forbidden', message: 'not a member' } });
    await until(() => !store.snapshot().messages.has(ROOM));
    expect(store.snapshot().details.has(ROOM)).toBe(false);
    expect(store.snapshot().openRoomId).toBeNull();
    expect(store.snapshot().error).toBeNull();
    expect(room()).toBeUndefined();
    // The old code marked it unsynced and asked again every 5 s, for good.
    jest.useFakeTimers();
    await jest.advanceTimersByTimeAsync(6_000);
    expect(socket.question('sync')).toBeUndefined();
  });

  it('asks for a page again, saying nothing, once the wait a rate_limited sync asked for is over', async () => {
    socket.fire('message:new', message(5, 5));
    await until(() => socket.question('sync') !== undefined);
    jest.useFakeTimers();
    socket.question('sync')?.answer({
      ok: false,
      error: {
        code: 'rate_limited',
        message: 'earlier answers still on their way',
        retryAfterSeconds: 2,
      },
    });
    socket.asked.splice(0);
    await jest.advanceTimersByTimeAsync(1_999);
    expect(socket.question('sync')).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(socket.question('sync')?.payload).toEqual({ roomId: ROOM, afterVersion: 3, limit: 200 });
    socket.answer('sync', {
      items: [message(4, 4), message(5, 5)],
      hasMore: false,
      lastVersion: 5,
    });
    jest.useRealTimers();
    await until(() => items().length === 5);
    expect(store.snapshot().error).toBeNull();
  });

  it('forgets a room whose view answers 403', async () => {
    answers.set(`/api/rooms/${ROOM}`, Promise.reject(new ApiError(403, 'forbidden')));
    await store.loadDetails(ROOM);
    expect(store.snapshot().messages.has(ROOM)).toBe(false);
    expect(store.snapshot().error).toBeNull();
  });

  it('connects again by itself, later and later, after the server refused the handshake', async () => {
    jest.useFakeTimers();
    socket.refusing = 'internal';
    socket.refuse('internal');
    expect(store.snapshot().connection).toBe('reconnecting');
    const tries = [socket.connects];
    for (const wait of [1_000, 2_000, 4_000]) {
      await jest.advanceTimersByTimeAsync(wait - 1);
      tries.push(socket.connects);
      await jest.advanceTimersByTimeAsync(1);
      tries.push(socket.connects);
    }
    // A try after 1 s, then 2 s after it, then 4 s: never sooner.
    const [first = 0] = tries;
    expect(tries).toEqual([0, 0, 1, 1, 2, 2, 3].map((more) => first + more));
    socket.refusing = 'too_many_connections';
    await jest.advanceTimersByTimeAsync(8_000);
    expect(store.snapshot().error).toContain('Too many tabs');
    socket.refusing = 'rate_limited';
    await jest.advanceTimersByTimeAsync(16_000);
    expect(store.snapshot().error).toContain('connected too often');
    socket.refusing = undefined;
    await jest.advanceTimersByTimeAsync(30_000);
    expect(store.snapshot().connection).toBe('connected');
  });

  it('reads a room here that this user read to its end in another tab', async () => {
    await store.open(null);
    socket.fire('message:new', message(4, 4, { mentions: [ME] }));
    socket.fire('message:new', message(5, 5));
    expect(room()).toMatchObject({ unreadCount: 2, mentionCount: 1 });
    socket.fire('read', { roomId: ROOM, userId: OTHER, seq: 5 });
    expect(room()).toMatchObject({ unreadCount: 2 });
    socket.fire('read', { roomId: ROOM, userId: ME, seq: 5 });
    expect(room()).toMatchObject({ unreadCount: 0, mentionCount: 0 });
  });

  it('counts what comes to the open room as unread while the page is hidden or scrolled up', () => {
    const page = (globalThis as unknown as { document: { visibilityState: string } }).document;
    page.visibilityState = 'hidden';
    socket.fire('message:new', message(4, 4));
    expect(room()?.unreadCount).toBe(1);
    page.visibilityState = 'visible';
    store.pageVisible();
    expect(room()?.unreadCount).toBe(0);

    store.viewAtEnd(false);
    socket.fire('message:new', message(5, 5));
    // Back on the page, still scrolled up: not read yet.
    store.pageVisible();
    expect(room()?.unreadCount).toBe(1);
    store.viewAtEnd(true);
    expect(room()?.unreadCount).toBe(0);
  });

  it('keeps a room as a live message left it when an older room list comes back', async () => {
    let answerList: (value: unknown) => void = () => undefined;
    answers.set('/api/rooms', new Promise((resolve) => (answerList = resolve)));
    await store.open(null);
    const loading = store.loadRooms();
    socket.fire('message:new', message(4, 4, { body: 'newer than the list' }));
    answerList({ items: [summary] });
    await loading;
    expect(room()).toMatchObject({ lastSeq: 4, unreadCount: 1 });
    expect(room()?.lastMessage?.body).toBe('newer than the list');
  });

  it('loads the newest page afresh for a room too far behind, rather than every change', async () => {
    socket.drop();
    const newest = Array.from({ length: 50 }, (_, index) => message(951 + index, 951 + index));
    answers.set('/api/rooms', { items: [{ ...summary, lastSeq: 1_000, lastVersion: 1_000 }] });
    answers.set(`/api/rooms/${ROOM}/messages?limit=50`, { items: newest, hasMore: true });
    socket.connect();
    await until(() => items()[0]?.seq === 951);
    expect(items()).toHaveLength(50);
    expect(store.snapshot().messages.get(ROOM)?.hasOlder).toBe(true);
    expect(socket.question('sync')).toBeUndefined();
    // Live again from there.
    socket.fire('message:new', message(1_001, 1_001));
    expect(items().at(-1)?.seq).toBe(1_001);
  });

  it('stops for good: no handler, no timer left behind', () => {
    jest.useFakeTimers();
    socket.drop();
    expect(jest.getTimerCount()).toBeGreaterThan(0);
    store.stop();
    socket.fire('disconnect', 'transport close');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('says nothing when typing is only too frequent, and says why it was refused otherwise', () => {
    const refused = (code: string) => ({ ok: false, error: { code, message: code } });
    socket.emitAnswers.set('typing', refused('rate_limited'));
    store.typed(ROOM);
    expect(store.snapshot().error).toBeNull();
    store.setTyping(ROOM, false);
    socket.emitAnswers.set('typing', refused('forbidden'));
    store.typed(ROOM);
    expect(store.snapshot().error).not.toBeNull();
  });

  it('shows a room list while a later one is on its way, not an older one, nor a room left meanwhile', async () => {
    const busy = { ...summary, id: 'room-busy', name: 'Busy' };
    const left = { ...summary, id: 'room-left', name: 'Left' };
    const answer: ((value: unknown) => void)[] = [];
    const ask = () => {
      answers.set('/api/rooms', new Promise((resolve) => answer.push(resolve)));
      return store.loadRooms();
    };
    const shownRooms = () => store.snapshot().rooms.map((room) => room.id);
    // A busy room's every message asks for the list (the room is not in it yet): each
    // answer comes while a later question is on its way.
    const first = ask();
    const second = ask();
    // Taken out of `left` after the first two were asked for.
    socket.fire('room:left', { roomId: left.id });
    const third = ask();
    answer[0]?.({ items: [summary, busy, left] });
    await first;
    expect(shownRooms()).toEqual([ROOM, busy.id]);
    answer[2]?.({ items: [busy] });
    await third;
    expect(shownRooms()).toEqual([busy.id]);
    // The second comes last: older than what is shown, so dropped.
    answer[1]?.({ items: [summary, busy, left] });
    await second;
    expect(shownRooms()).toEqual([busy.id]);
  });

  it('finds a message by seq among those loaded, else asks the server for that one', async () => {
    expect((await store.messageAt(ROOM, 2))?.seq).toBe(2);
    expect(restAsked.filter((path) => path.includes('afterSeq'))).toEqual([]);
    // Not among those loaded (a reply kept across a reload to an older message, say).
    const far = message(7, 7, { body: 'beyond the page' });
    answers.set(`/api/rooms/${ROOM}/messages?afterSeq=6&limit=1`, { items: [far], hasMore: true });
    expect((await store.messageAt(ROOM, 7))?.body).toBe('beyond the page');
    answers.set(`/api/rooms/${ROOM}/messages?afterSeq=99&limit=1`, { items: [], hasMore: false });
    expect(await store.messageAt(ROOM, 100)).toBeUndefined();
  });

  it('says so when this user is taken out of a room, and forgets it', () => {
    socket.fire('room:left', { roomId: ROOM });
    expect(store.snapshot().messages.has(ROOM)).toBe(false);
    expect(store.snapshot().error).toBe("You're no longer a member of Lunch.");
    // Again, for a room it no longer knows: nothing more to say.
    store.dismissError();
    socket.fire('room:left', { roomId: ROOM });
    expect(store.snapshot().error).toBeNull();
  });

  it('says so when the room list no longer has a room this tab listed, with the words still to be sent there', async () => {
    // Offline: what is written waits for the connection.
    socket.fire('disconnect', 'transport close');
    store.send(ROOM, 'queued while offline');
    expect(store.snapshot().pending.map((item) => item.body)).toEqual(['queued while offline']);
    // Back: the owner removed this user meanwhile, which no socket event said.
    answers.set('/api/rooms', { items: [] });
    await store.loadRooms();
    expect(store.snapshot().rooms).toEqual([]);
    expect(store.snapshot().pending).toEqual([]);
    expect(store.snapshot().error).toBe(
      "You're no longer a member of Lunch. Not sent, as you are no longer a member there: “queued while offline”",
    );
  });

  it('tells every room one room list shows this user was taken out of, each with its words still to be sent', async () => {
    const dinner = { ...summary, id: 'room-dinner', name: 'Dinner' };
    answers.set('/api/rooms', { items: [summary, dinner] });
    await store.loadRooms();
    socket.fire('disconnect', 'transport close');
    store.send(ROOM, 'for lunch');
    store.send(dinner.id, 'for dinner');
    // Back: taken out of both meanwhile, which no socket event said.
    answers.set('/api/rooms', { items: [] });
    await store.loadRooms();
    expect(store.snapshot().rooms).toEqual([]);
    expect(store.snapshot().error).toBe(
      "You're no longer a member of Lunch. Not sent, as you are no longer a member there: “for lunch” " +
        "You're no longer a member of Dinner. Not sent, as you are no longer a member there: “for dinner”",
    );
  });

  it('tells a removal that comes while another is shown, rather than replacing it', async () => {
    const dinner = { ...summary, id: 'room-dinner', name: 'Dinner' };
    answers.set('/api/rooms', { items: [summary, dinner] });
    await store.loadRooms();
    socket.fire('room:left', { roomId: ROOM });
    socket.fire('room:left', { roomId: dinner.id });
    expect(store.snapshot().error).toBe(
      "You're no longer a member of Lunch. You're no longer a member of Dinner.",
    );
    // Dismissed, the next one is told alone.
    store.dismissError();
    answers.set('/api/rooms', { items: [summary] });
    await store.loadRooms();
    socket.fire('room:left', { roomId: ROOM });
    expect(store.snapshot().error).toBe("You're no longer a member of Lunch.");
  });

  it('calls a member who left by deleting the account so at once, on the messages too', async () => {
    const name = () => nameOfUser(store.snapshot(), OTHER);
    await until(() => name() === 'Ann');
    // Only left: still an account, still called by its name.
    jest.useFakeTimers();
    const lookups = (userId: string) =>
      restAsked.filter((path) => path === `/api/users/${userId}`).length;
    const before = lookups(OTHER);
    socket.fire('member:left', { roomId: ROOM, userId: OTHER });
    // Each page asks within a spread of 2 s, not all members at the same moment.
    await jest.advanceTimersByTimeAsync(2_000);
    expect(lookups(OTHER)).toBe(before + 1);
    expect(name()).toBe('Ann');
    // Deleted: the account answers 404 from the start of its deletion.
    answers.delete(`/api/users/${OTHER}`);
    socket.fire('member:left', { roomId: ROOM, userId: OTHER });
    await jest.advanceTimersByTimeAsync(2_000);
    expect(name()).toBe(DELETED_ACCOUNT);
    // Someone whose name is on no loaded message is not asked about.
    socket.fire('member:left', { roomId: ROOM, userId: 'stranger' });
    await jest.advanceTimersByTimeAsync(2_000);
    expect(lookups('stranger')).toBe(0);
  });

  it('loads afresh once when the changes behind are to older messages, then asks no more', async () => {
    socket.drop();
    // 450 changes since, all to messages before the newest page: the page's newest version
    // stays far below the room's.
    const page = Array.from({ length: 50 }, (_, index) => message(index + 1, index + 1));
    answers.set('/api/rooms', { items: [{ ...summary, lastSeq: 50, lastVersion: 500 }] });
    answers.set(`/api/rooms/${ROOM}/messages?limit=50`, { items: page, hasMore: false });
    const pages = () => restAsked.filter((path) => path.endsWith('messages?limit=50')).length;
    const before = pages();
    socket.connect();
    await until(() => pages() === before + 1 && items().length === 50);
    // Time for a loop to show itself, the store's retries included: none may ask again.
    jest.useFakeTimers();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(pages()).toBe(before + 1);
    expect(socket.question('sync')).toBeUndefined();
  });

  it('reads a room again that this user was taken out of and added back to', async () => {
    const reads = () => socket.emitted.filter((emitted) => emitted.event === 'read');
    expect(store.snapshot().reads.get(ROOM)?.get(ME)).toBe(3);
    socket.fire('room:left', { roomId: ROOM });
    // Added back: the server's cursor for the new membership starts at 0.
    const back: RoomView = {
      ...view,
      members: view.members.map((member) =>
        member.userId === ME ? { ...member, lastReadSeq: 0 } : member,
      ),
    };
    socket.fire('room:joined', back);
    await store.open(ROOM);
    await until(() => reads().length > 0);
    expect(reads()).toEqual([{ event: 'read', payload: { roomId: ROOM, seq: 3 } }]);
  });

  describe('opened with unread messages', () => {
    const LAB = 'room-lab';
    const lab = (seqs: readonly number[]) => seqs.map((seq) => message(seq, seq, { roomId: LAB }));
    const range = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, index) => from + index);
    const reads = () => socket.emitted.filter((emitted) => emitted.event === 'read');

    /** LAB, with `lastSeq` messages of ann's, `unread` of them unread, as the server answers. */
    const listLab = (lastSeq: number, unread: number, pages: [string, unknown][]) => {
      answers.set('/api/rooms', {
        items: [
          summary,
          { ...summary, id: LAB, name: 'Lab', lastSeq, lastVersion: lastSeq, unreadCount: unread },
        ],
      });
      answers.set(`/api/rooms/${LAB}`, {
        ...view,
        id: LAB,
        name: 'Lab',
        lastSeq,
        lastVersion: lastSeq,
        members: view.members.map((member) => ({
          ...member,
          lastReadSeq: member.userId === ME ? lastSeq - unread : lastSeq,
        })),
      });
      for (const [path, page] of pages) answers.set(`/api/rooms/${LAB}/messages?${path}`, page);
    };

    /** LAB as `listLab` says, opened. */
    const openLab = async (lastSeq: number, unread: number, pages: [string, unknown][]) => {
      listLab(lastSeq, unread, pages);
      await store.loadRooms();
      await store.open(LAB);
      await until(() => store.snapshot().messages.has(LAB));
    };

    it('loads back to the first unread, puts the divider there, and reads only at the end', async () => {
      await openLab(100, 70, [['limit=80', { items: lab(range(21, 100)), hasMore: true }]]);
      expect(store.snapshot().firstUnread.get(LAB)).toBe(31);
      expect(reads()).toEqual([]);
      // A message that comes before the reader is at the end stays unread; once there, what
      // is there is read, and so is what comes next.
      socket.fire('message:new', message(101, 101, { roomId: LAB }));
      expect(reads()).toEqual([]);
      store.viewAtEnd(true);
      socket.fire('message:new', message(102, 102, { roomId: LAB }));
      expect(reads().map(({ payload }) => payload)).toEqual([
        { roomId: LAB, seq: 101 },
        { roomId: LAB, seq: 102 },
      ]);
    });

    it('keeps the count while nothing is shown yet, however the list says it is at its end', async () => {
      let answerPage: (value: unknown) => void = () => undefined;
      const opened = openLab(100, 70, [
        ['limit=80', new Promise((resolve) => (answerPage = resolve))],
      ]);
      await until(() => restAsked.includes(`/api/rooms/${LAB}/messages?limit=80`));
      store.viewAtEnd(true);
      expect(store.snapshot().rooms.find((room) => room.id === LAB)?.unreadCount).toBe(70);
      answerPage({ items: lab(range(21, 100)), hasMore: true });
      await opened;
      expect(store.snapshot().firstUnread.get(LAB)).toBe(31);
      expect(reads()).toEqual([]);
    });

    it('opened before the room list came (a link, a reload), waits for its unread count and opens at the divider', async () => {
      let answerRooms: (value: unknown) => void = () => undefined;
      answers.set('/api/rooms', new Promise((resolve) => (answerRooms = resolve)));
      answers.set(`/api/rooms/${LAB}`, {
        ...view,
        id: LAB,
        name: 'Lab',
        lastSeq: 100,
        lastVersion: 100,
        members: view.members.map((member) => ({
          ...member,
          lastReadSeq: member.userId === ME ? 30 : 100,
        })),
      });
      answers.set(`/api/rooms/${LAB}/messages?limit=80`, {
        items: lab(range(21, 100)),
        hasMore: true,
      });
      const fresh = new ChatStore(fakeApi(restAsked, answers), { ...other, id: ME }, undefined);
      const opened = fresh.open(LAB);
      const listed = fresh.loadRooms();
      answerRooms({
        items: [
          { ...summary, id: LAB, name: 'Lab', lastSeq: 100, lastVersion: 100, unreadCount: 70 },
        ],
      });
      await listed;
      await opened;
      await until(() => fresh.snapshot().messages.has(LAB));
      expect(fresh.snapshot().firstUnread.get(LAB)).toBe(31);
      fresh.stop();
    });

    it('puts the divider in a room loaded before as it opens, and reads only at the end', async () => {
      await store.open(null);
      socket.fire('message:new', message(4, 4));
      socket.fire('message:new', message(5, 5));
      expect(store.snapshot().rooms[0]?.unreadCount).toBe(2);
      const opening = store.open(ROOM);
      expect(store.snapshot().firstUnread.get(ROOM)).toBe(4);
      await opening;
      expect(reads()).toEqual([]);
    });

    it('puts the divider after the read cursor, whatever came since the room was opened', async () => {
      // Message 101 was stored after the room list counted 70 unread.
      await openLab(100, 70, [['limit=80', { items: lab(range(22, 101)), hasMore: true }]]);
      expect(store.snapshot().firstUnread.get(LAB)).toBe(31);
    });

    it('loads older pages while the first unread is not among them', async () => {
      await openLab(400, 300, [
        ['limit=200', { items: lab(range(201, 400)), hasMore: true }],
        ['beforeSeq=201&limit=200', { items: lab(range(1, 200)), hasMore: false }],
      ]);
      expect(store.snapshot().firstUnread.get(LAB)).toBe(101);
      expect(store.snapshot().messages.get(LAB)).toMatchObject({ hasOlder: false });
      expect(items().length).toBe(3);
      expect(store.snapshot().messages.get(LAB)?.items.length).toBe(400);
      expect(reads()).toEqual([]);
    });

    it('catches up from its newest page, not from an older page that came after it', async () => {
      let answerOlder: (value: unknown) => void = () => undefined;
      listLab(400, 300, [
        ['limit=200', { items: lab(range(201, 400)), hasMore: true }],
        ['beforeSeq=201&limit=200', new Promise((resolve) => (answerOlder = resolve))],
      ]);
      await store.loadRooms();
      const opened = store.open(LAB);
      await until(() => restAsked.includes(`/api/rooms/${LAB}/messages?beforeSeq=201&limit=200`));
      // While the older page is on its way: a new message, then a reaction to an old one,
      // which the older page then holds.
      socket.fire('message:new', message(401, 401, { roomId: LAB }));
      const reacted = message(60, 402, {
        roomId: LAB,
        reactions: [{ emoji: '👍', userIds: [OTHER] }],
      });
      socket.fire('message:updated', reacted);
      answerOlder({
        items: lab(range(1, 200)).map((held) => (held.seq === 60 ? reacted : held)),
        hasMore: false,
      });
      await opened;
      await until(() => socket.question('sync') !== undefined);
      expect(
        socket.answer('sync', {
          items: [message(401, 401, { roomId: LAB }), reacted],
          hasMore: false,
          lastVersion: 402,
        }),
      ).toMatchObject({ roomId: LAB, afterVersion: 400 });
      await until(() => store.snapshot().messages.get(LAB)?.items.at(-1)?.seq === 401);
    });
  });

  it('reads what a sync brings to the open room in view, and a read made while away, once back', async () => {
    await store.open(ROOM);
    store.viewAtEnd(true);
    socket.drop();
    answers.set('/api/rooms', {
      items: [
        { ...summary, lastSeq: 4, lastVersion: 4, unreadCount: 1, lastMessage: message(4, 4) },
      ],
    });
    socket.connect();
    await until(() => socket.question('sync') !== undefined);
    socket.answer('sync', { items: [message(4, 4)], hasMore: false, lastVersion: 4 });
    await until(() => socket.emitted.some(({ event }) => event === 'read'));
    expect(
      socket.emitted.filter(({ event }) => event === 'read').map(({ payload }) => payload),
    ).toEqual([{ roomId: ROOM, seq: 4 }]);
    expect(store.snapshot().rooms.find((room) => room.id === ROOM)?.unreadCount).toBe(0);
  });

  it('keeps no older message when it loads afresh, only what came after the page', async () => {
    // This user's edit of seq 3, acknowledged with a version newer than the page below.
    const editing = store.editMessage(ROOM, 3, 'mine, edited');
    socket.answer('message:edit', {
      message: message(3, 990, { senderId: ME, body: 'mine, edited', editedAt: 'x' }),
    });
    expect(await editing).toBe(true);
    socket.drop();
    const page = Array.from({ length: 50 }, (_, index) => message(951 + index, 500 + index));
    answers.set('/api/rooms', { items: [{ ...summary, lastSeq: 1_000, lastVersion: 1_000 }] });
    answers.set(`/api/rooms/${ROOM}/messages?limit=50`, { items: page, hasMore: true });
    socket.connect();
    await until(() => items().some((item) => item.seq === 951));
    expect(items().map((item) => item.seq)).toEqual(
      Array.from({ length: 50 }, (_, index) => 951 + index),
    );
  });
});
