import type {
  HandshakeErrorCode,
  MessageView,
  RoomSummaryView,
  RoomView,
} from '@scale-chat/contracts';
import { io } from 'socket.io-client';
import type { ApiClient } from './api';
import { ApiError, describeError, describeRefusal } from './api-error';
import { titleOfRoom, type ChatState, type LoadFailure, type RoomMessages } from './chat-state';
import { mergeMessages } from './message-merge';
import { firstUnreadSeq, isUnreadKind } from './message-list';
import { CHAT_LIMITS } from './limits';
import {
  ACK_TIMEOUT_MS,
  rateLimitWaitMs,
  resumedSends,
  SendQueue,
  type ChatSocket,
  type PendingMessage,
} from './send-queue';
import type { TabKept } from './tab-kept';
import { usersFound, type UsersFound } from './user-query';
import {
  isMemberEvent,
  isMessage,
  isPresenceEvent,
  isReadEvent,
  isRoom,
  isRoomSummary,
  isTypingEvent,
  isUser,
  isRoomLeftEvent,
  changesOf,
  listOf,
  readAck,
  retryAfterSecondsOf,
  type Page,
  type User,
} from './validate';

const PAGE = 50;
/**
 * A room opened with unread messages is loaded back to the first of them, so that it opens
 * at the "new messages" divider; with more unread than this, this many back.
 */
const UNREAD_LOADED_MOST = 1_000;
const SYNC_PAGE = 200;
const SEARCH_PAGE = 20;
const SEARCH_RESULTS = 8;
const TYPING_SHOWN_MS = 6_000;
/** What failed to load (the room list, a room) is tried again after this. */
const LOAD_RETRY_MS = 5_000;
/** Within how long after a member leaves each page asks whether the account is gone. */
const RECHECK_SPREAD_MS = 2_000;
/** A socket the server refused is connected again after this, doubling up to the most. */
const RECONNECT_FIRST_MS = 1_000;
const RECONNECT_MOST_MS = 30_000;
/**
 * A room this many versions behind is loaded afresh (its newest page) rather than synced
 * change by change: after a long absence from a busy room, all of it would be held and drawn.
 */
const RESYNC_AT_MOST = SYNC_PAGE * 2;

type TimedSocket = ReturnType<ChatSocket['timeout']>;

/** How many messages a page asks for: PAGE, or enough for `unread` and a few before. */
function pageFor(unread: number): number {
  return Math.min(CHAT_LIMITS.pageMax, Math.max(PAGE, unread + 10));
}

/** Where this user's reading of a room stands: its read cursor, where known. */
interface Unread {
  /** The room's unread count when it was opened (API.md: the others' messages after it). */
  readonly count: number;
  /** This user's read cursor in the room (the room view's `lastReadSeq`, then `read`s). */
  readonly cursor: number | undefined;
}

/**
 * Whether `items` reach back to the first unread message: from the read cursor where it is
 * known (a message stored since the room was opened does not move it), else by counting
 * `count` of the others' messages back from the end.
 */
function reachesFirstUnread(items: readonly MessageView[], meId: string, unread: Unread): boolean {
  return unread.cursor !== undefined
    ? (items[0]?.seq ?? 0) <= unread.cursor + 1
    : firstUnreadSeq(items, meId, unread.count) !== undefined;
}

/**
 * Where the "new messages" divider goes in what was loaded: at the first of the others'
 * messages after the cursor (the first loaded of them when the rest were not loaded), or
 * with no cursor known, at the `count`-th of them from the end, or the first loaded.
 */
function dividerSeq(
  items: readonly MessageView[],
  meId: string,
  unread: Unread,
): number | undefined {
  const { cursor } = unread;
  if (cursor !== undefined)
    return items.find((message) => message.seq > cursor && isUnreadKind(message, meId))?.seq;
  return (
    firstUnreadSeq(items, meId, unread.count) ??
    items.find((message) => isUnreadKind(message, meId))?.seq
  );
}

/**
 * The chat's state and its one Socket.IO connection. Components read snapshots
 * (useSyncExternalStore) and call the methods; every server event goes through a guard.
 *
 * Ordering: messages are kept by `seq`. A `message:new` past a gap, and every
 * (re)connection that the server did not recover, fills the gap with `sync`, so after a
 * reconnect the history is complete and in order. This user's sends go out in order from
 * a SendQueue (send-queue.ts), which never stores a message twice.
 */
export class ChatStore {
  private state: ChatState = {
    connection: 'connecting',
    rooms: [],
    roomsLoaded: false,
    details: new Map(),
    messages: new Map(),
    pending: [],
    typing: new Map(),
    reads: new Map(),
    presence: new Map(),
    users: new Map(),
    deletedUsers: new Set(),
    openRoomId: null,
    loadFailures: new Map(),
    firstUnread: new Map(),
    focus: null,
    online: navigator.onLine,
    error: null,
  };
  private readonly listeners = new Set<() => void>();
  private socket: ChatSocket | null = null;
  private readonly queue = new SendQueue({
    pending: () => this.state.pending,
    setPending: (pending) => {
      this.set({ pending });
      // Once this user's session has ended nothing more is kept: App.tsx forgot it when
      // it ended, and an answer that comes after (this screen not yet gone) must not
      // keep it again for the next login.
      if (this.api.user?.id === this.me.id) this.keptSends?.keep(this.me.id, pending);
    },
    socket: () => this.socket,
    stored: (message) => this.receive([message], false),
  });
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly userRequests = new Set<string>();
  /** Users whose account is being looked up again after they left a room (`recheckUser`). */
  private readonly rechecks = new Set<string>();
  private readonly syncing = new Set<string>();
  private readonly resync = new Set<string>();
  /** Rooms whose last `sync` failed: synced again by the next catch-up, not left stale. */
  private readonly unsynced = new Set<string>();
  /** roomId → the latest version applied to its loaded messages: catch-up starts after it. */
  private readonly versions = new Map<string, number>();
  private readonly loading = new Map<string, Promise<void>>();
  /** roomId → its unread count when it was opened (for the "new messages" divider). */
  private readonly unreadAtOpen = new Map<string, number>();
  /** Settled once the room list has come, or failed to, the first time. */
  private readonly firstRooms: Promise<void>;
  private roomsCame: () => void = () => undefined;
  private loadRetry: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectDelay = RECONNECT_FIRST_MS;
  /** Stopped (logged out, the screen gone): nothing is scheduled any more. */
  private stopped = false;
  /** Rooms this tab is leaving, whose `room:left` is no news. */
  private readonly leaving = new Set<string>();
  /**
   * Room lists asked for, and the latest of them shown: an answer older than one shown is
   * dropped, but one with a later list still on its way is shown (were it dropped, a list
   * asked for more often than it takes to come, say for every message of a busy room not
   * listed yet, would never show).
   */
  private roomsAsked = 0;
  private roomsShown = 0;
  /**
   * The pending messages kept from before a reload, until a room list says which of their
   * rooms are still this user's (`SendQueue.dropUnlisted`).
   */
  private resumed: ReadonlySet<string> = new Set();
  /** roomId → `roomsAsked` when this user left it: no list asked for before shows it again. */
  private readonly leftAt = new Map<string, number>();
  /** userId → when its last `presence` event came: a room view asked for before is older. */
  private readonly presenceAt = new Map<string, number>();
  /** The open room's list is scrolled to its end: what arrives there is read. */
  private readingLatest = true;
  /**
   * The notice shows what was told (`tell`: removals, words not sent), kept until the user
   * dismisses it, then the latest failure, which a later answer of the server clears.
   */
  private told: string | null = null;
  private failure: string | null = null;
  /** The room last asked to open: one waiting for the first room list gives way to it. */
  private opening: string | null = null;
  private readonly onOnline = () => {
    this.set({ online: true });
    void this.catchUp();
  };
  private readonly onOffline = () => this.set({ online: false });
  /**
   * Leaving the page with messages still to be sent: the browser asks first. A reload keeps
   * them (`keptSends`), but a closed tab takes its storage with it. Not for those the
   * server refused, which go nowhere by themselves (else every leaving would ask).
   */
  private readonly onLeave = (event: BeforeUnloadEvent) => {
    if (this.state.pending.some((message) => stillToSend(message))) event.preventDefault();
  };

  constructor(
    private readonly api: ApiClient,
    private readonly me: User,
    /** Where the socket connects: the page's own origin (the edge), or one gateway. */
    private readonly socketUrl: string | undefined,
    /** Where this tab keeps the pending messages across a reload (`keptSends`). */
    private readonly keptSends?: TabKept<readonly PendingMessage[]>,
  ) {
    this.remember(me);
    const kept = keptSends?.of(me.id);
    if (kept !== undefined) {
      const pending = resumedSends(kept);
      this.state = { ...this.state, pending };
      this.resumed = new Set(pending.map((message) => message.clientMsgId));
    }
    this.firstRooms = new Promise((resolve) => (this.roomsCame = resolve));
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly snapshot = (): ChatState => this.state;

  private set(patch: Partial<ChatState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  start(): void {
    this.stopped = false;
    this.queue.start();
    const options = {
      // A function, so every reconnection presents the current token, renewed first if it
      // has expired meanwhile (the server closes a socket at its token's expiry).
      auth: (callback: (data: object) => void) => {
        // A renewal that fails still answers, with the token there is: the server's
        // refusal then takes the usual way (`connect_error`), not a handshake left hanging.
        void this.api
          .currentAccessToken()
          .catch(() => this.api.accessToken)
          .then((token) => callback({ token }));
      },
      // Straight to a gateway (the local stack's browser tests): WebSocket only, which
      // its edge's CSP allows to the gateways' ports, not XHR polling to another origin.
      // Through the edge: polling as a fallback, kept on one instance by the edge's
      // chat_route cookie.
      transports: this.socketUrl === undefined ? ['websocket', 'polling'] : ['websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 3_000,
    };
    const socket: ChatSocket =
      this.socketUrl === undefined ? io(options) : io(this.socketUrl, options);
    this.socket = socket;
    socket.on('connect', () => void this.onConnect(socket.recovered));
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('beforeunload', this.onLeave);
    // The list comes over REST: it need not wait for the socket (again on every connect).
    void this.loadRooms();
    socket.on('disconnect', (reason) => {
      this.set({ connection: 'reconnecting', typing: new Map() });
      this.queue.disconnected();
      // The server closed it (e.g. an expired token): Socket.IO does not retry by itself.
      if (reason === 'io server disconnect') void this.reconnectWithFreshToken();
    });
    socket.on('connect_error', (error) => {
      this.set({ connection: 'reconnecting' });
      this.queue.disconnected();
      // Unreachable: Socket.IO tries again by itself. Refused by the server: it does not.
      if (socket.active) return;
      // Typed, so a code the server does not send does not compile.
      const refusal = error.message as HandshakeErrorCode;
      if (refusal === 'unauthorized') void this.reconnectWithFreshToken();
      else {
        if (refusal === 'too_many_connections')
          this.showFailure(
            'Too many tabs or devices are connected to your account. Close one, and this tab connects by itself.',
          );
        else if (refusal === 'rate_limited')
          this.showFailure(
            'Your account connected too often just now. This tab connects again by itself in a moment.',
          );
        this.reconnectLater(
          rateLimitWaitMs(retryAfterSecondsOf((error as { data?: unknown }).data)),
        );
      }
    });
    socket.on('message:new', (message) => {
      if (isMessage(message)) this.receive([message], true);
    });
    // v1.1: edits, deletions and reactions, in version order with the new messages.
    socket.on('message:updated', (message) => {
      if (isMessage(message)) this.receive([message], true);
    });
    socket.on('typing', (event) => {
      if (isTypingEvent(event)) this.onTyping(event.roomId, event.userId, event.typing);
    });
    socket.on('read', (event) => {
      if (!isReadEvent(event)) return;
      this.storeReads(event.roomId, [[event.userId, event.seq]]);
      // Read in another tab or device of this user's: read here too.
      if (event.userId === this.me.id) this.readElsewhere(event.roomId, event.seq);
    });
    socket.on('presence', (event) => {
      if (!isPresenceEvent(event)) return;
      this.presenceAt.set(event.userId, Date.now());
      this.set({ presence: new Map(this.state.presence).set(event.userId, event.online) });
    });
    socket.on('room:joined', (room) => {
      if (isRoom(room)) {
        this.storeDetails(room, Date.now());
        void this.loadRooms();
        // Open while not a member yet (a link): it can load now.
        if (this.state.loadFailures.has(room.id)) void this.ensureLoaded(room.id);
      }
    });
    socket.on('room:left', (event) => {
      if (!isRoomLeftEvent(event)) return;
      // Removed by the owner, or left in another tab: said, not just gone. A leave from
      // this tab forgot the room already.
      const known =
        !this.leaving.has(event.roomId) &&
        (this.state.details.has(event.roomId) ||
          this.state.rooms.some((room) => room.id === event.roomId));
      if (known) this.removedFrom(event.roomId);
      else this.forget(event.roomId);
    });
    const memberChanged = (event: unknown, left: boolean) => {
      if (!isMemberEvent(event) || event.userId === this.me.id) return;
      void this.loadDetails(event.roomId);
      void this.loadRooms();
      // Perhaps an account's deletion, which takes its user out of every room.
      if (left) void this.recheckUser(event.userId);
    };
    socket.on('member:joined', (event) => memberChanged(event, false));
    socket.on('member:left', (event) => memberChanged(event, true));
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('beforeunload', this.onLeave);
    // Its handlers go first: its `disconnect` would schedule what is cleared below.
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    this.queue.stop();
    clearTimeout(this.loadRetry);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.typingStop);
    for (const timer of this.typingTimers.values()) clearTimeout(timer);
    this.typingTimers.clear();
    // Unset, so a start after this stop (React's StrictMode does so) schedules them again.
    this.loadRetry = undefined;
    this.reconnectTimer = undefined;
  }

  /**
   * After the server refused the token or closed the socket: a new token, then the
   * socket again; if no token could be had but the login still stands (the network, a
   * 5xx), later. A login that no longer stands ends the session, and this store with it.
   */
  private async reconnectWithFreshToken(): Promise<void> {
    if (await this.api.refresh()) this.socket?.connect();
    else if (this.api.user !== null) this.reconnectLater();
  }

  /**
   * Connects the socket again in a while (longer each time, and no sooner than the server
   * asked, `waitMs`), unless it is by then.
   */
  private reconnectLater(waitMs = 0): void {
    if (this.stopped || this.reconnectTimer !== undefined) return;
    this.reconnectTimer = setTimeout(
      () => {
        this.reconnectTimer = undefined;
        const socket = this.socket;
        if (socket === null || socket.connected || socket.active) return;
        this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MOST_MS);
        void this.reconnectWithFreshToken();
      },
      Math.max(this.reconnectDelay, waitMs),
    );
  }

  private async onConnect(recovered: boolean): Promise<void> {
    this.reconnectDelay = RECONNECT_FIRST_MS;
    this.queue.connected();
    this.set({ connection: 'connected' });
    await this.catchUp();
    // Missed messages: recovered sockets got them as packets; otherwise ask with `sync`.
    // Presence and read events missed meanwhile: the room views again.
    if (!recovered)
      await Promise.all([
        ...[...this.state.messages.keys()].map((id) => this.sync(id)),
        ...[...this.state.details.keys()].map((id) => this.loadDetails(id)),
      ]);
    // Read while away (the cursor was not sent then), or what the syncs just brought.
    if (this.readingLatest) this.markRead(this.state.openRoomId);
    this.queue.kick();
  }

  /**
   * After a reconnection, the network coming back, or a while after a failure: the room
   * list again, and every room that failed to load, so no view waits for a click.
   */
  private async catchUp(): Promise<void> {
    clearTimeout(this.loadRetry);
    this.loadRetry = undefined;
    await this.loadRooms();
    const failed = [...this.state.loadFailures].filter(([, why]) => why !== 'gone');
    await Promise.all([
      ...failed.map(([roomId]) => this.ensureLoaded(roomId)),
      ...[...this.unsynced]
        .filter((roomId) => this.state.messages.has(roomId))
        .map((roomId) => this.sync(roomId)),
    ]);
  }

  private scheduleCatchUp(): void {
    if (this.stopped) return;
    this.loadRetry ??= setTimeout(() => void this.catchUp(), LOAD_RETRY_MS);
  }

  // ---- rooms ----

  async loadRooms(): Promise<void> {
    const asked = ++this.roomsAsked;
    try {
      const page = listOf(await this.api.get('/api/rooms'), isRoomSummary);
      // A later list was shown already, and knew more.
      if (asked < this.roomsShown) return;
      this.roomsShown = asked;
      for (const [roomId, at] of this.leftAt) if (at < asked) this.leftAt.delete(roomId);
      // A room's message or change that came live while the list was on its way is newer
      // than the list's idea of it: that room stays as it is here. One left meanwhile
      // stays gone.
      const held = new Map(this.state.rooms.map((room) => [room.id, room]));
      const rooms = page.items
        .filter((room) => !this.leftAt.has(room.id))
        .map((room) => {
          const mine = held.get(room.id);
          return mine !== undefined && mine.lastVersion > room.lastVersion ? mine : room;
        });
      const listed = new Set(rooms.map((room) => room.id));
      // Listed here, not by the server: this user was removed (or the room deleted) while
      // this tab did not hear it (offline, say), and is told as `room:left` tells it.
      const removed = this.state.rooms.filter(
        (room) => !listed.has(room.id) && !this.leftAt.has(room.id),
      );
      // The server answers again: an earlier failure's message is out of date.
      this.showFailure(null);
      for (const room of removed) this.removedFrom(room.id);
      this.set({ rooms, roomsLoaded: true });
      if (this.resumed.size > 0) {
        const unlisted = this.state.pending.filter(
          (message) => this.resumed.has(message.clientMsgId) && !listed.has(message.roomId),
        );
        this.queue.dropUnlisted(this.resumed, listed);
        this.resumed = new Set();
        if (unlisted.length > 0) this.tellUnsent(unlisted);
      }
      this.roomsCame();
      // A direct room is called by the other person: its members are needed for the list.
      for (const room of rooms)
        if (room.kind === 'direct' && !this.state.details.has(room.id))
          void this.loadDetails(room.id);
    } catch (error) {
      this.roomsCame();
      this.fail(error);
      this.scheduleCatchUp();
    }
  }

  async loadDetails(roomId: string): Promise<RoomView | undefined> {
    try {
      return await this.fetchDetails(roomId);
    } catch (error) {
      // Removed (or the room gone) while this tab was not told: as if it had been.
      if (error instanceof ApiError && (error.status === 403 || error.status === 404))
        this.forget(roomId);
      else this.fail(error);
      return undefined;
    }
  }

  private async fetchDetails(roomId: string): Promise<RoomView> {
    const askedAt = Date.now();
    const room = await this.api.get(`/api/rooms/${encodeURIComponent(roomId)}`, isRoom);
    this.storeDetails(room, askedAt);
    return room;
  }

  /**
   * A room view (v1.1) says who is online and who has read what, so both show from the
   * first render. A `presence` event that came after the view was asked for is newer and
   * wins; read cursors only move forward, whichever says so first.
   */
  private storeDetails(room: RoomView, askedAt: number): void {
    const presence = new Map(this.state.presence);
    for (const member of room.members)
      if (member.userId !== this.me.id && (this.presenceAt.get(member.userId) ?? 0) < askedAt)
        presence.set(member.userId, member.online);
    // Cursors of those who left go: "seen by" names members only.
    const members = new Set(room.members.map((member) => member.userId));
    const reads = new Map(
      [...(this.state.reads.get(room.id) ?? [])].filter(([userId]) => members.has(userId)),
    );
    this.set({
      details: new Map(this.state.details).set(room.id, room),
      presence,
      reads: new Map(this.state.reads).set(room.id, reads),
    });
    this.storeReads(
      room.id,
      room.members.map((member) => [member.userId, member.lastReadSeq]),
    );
    for (const member of room.members) void this.lookUpUser(member.userId);
  }

  private storeReads(roomId: string, cursors: readonly (readonly [string, number])[]): void {
    const room = new Map(this.state.reads.get(roomId));
    for (const [userId, seq] of cursors) room.set(userId, Math.max(room.get(userId) ?? 0, seq));
    this.set({ reads: new Map(this.state.reads).set(roomId, room) });
  }

  /** The open room's list reached its end (or left it): what is shown there is read then. */
  viewAtEnd(atEnd: boolean): void {
    this.readingLatest = atEnd;
    if (atEnd) this.markRead(this.state.openRoomId);
  }

  /** The page is shown again: the open room is read, if its newest messages are in view. */
  pageVisible(): void {
    if (this.readingLatest) this.markRead(this.state.openRoomId);
  }

  /** What the user is looking at now: the open room's newest messages, on a visible page. */
  private seeing(roomId: string): boolean {
    return (
      roomId === this.state.openRoomId &&
      this.readingLatest &&
      document.visibilityState !== 'hidden'
    );
  }

  /** This user read `roomId` up to `seq` in another tab or device. */
  private readElsewhere(roomId: string, seq: number): void {
    const room = this.state.rooms.find((candidate) => candidate.id === roomId);
    if (room === undefined || (room.unreadCount === 0 && room.mentionCount === 0)) return;
    // Read to its end: nothing unread. Part of it: only the server can count the rest.
    if (seq < room.lastSeq) {
      void this.loadRooms();
      return;
    }
    this.set({
      rooms: this.state.rooms.map((other) =>
        other.id === roomId ? { ...other, unreadCount: 0, mentionCount: 0 } : other,
      ),
    });
  }

  async createRoom(name: string, memberIds: readonly string[]): Promise<RoomView> {
    const room = await this.api.post('/api/rooms', { name, memberIds }, isRoom);
    this.storeDetails(room, Date.now());
    await this.loadRooms();
    return room;
  }

  /** The direct room with `userId` (API.md v1.1: one per pair, made on first use). */
  async openDirect(userId: string): Promise<string> {
    const room = await this.api.post('/api/rooms/direct', { userId }, isRoom);
    this.storeDetails(room, Date.now());
    await this.loadRooms();
    return room.id;
  }

  async addMember(roomId: string, userId: string): Promise<void> {
    await this.api.post(`/api/rooms/${encodeURIComponent(roomId)}/members`, { userId });
    await this.loadDetails(roomId);
    await this.loadRooms();
  }

  /** The owner takes `userId` out of a group room (API.md: 403 for anyone else). */
  async removeMember(roomId: string, userId: string): Promise<void> {
    await this.api.delete(
      `/api/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(userId)}`,
    );
    await this.loadDetails(roomId);
  }

  async leave(roomId: string): Promise<void> {
    // Its `room:left` may come before the answer: no need to say what the user just did.
    this.leaving.add(roomId);
    try {
      await this.api.delete(
        `/api/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(this.me.id)}`,
      );
      this.forget(roomId);
    } finally {
      this.leaving.delete(roomId);
    }
  }

  /**
   * Removed from `roomId` (by its owner, in another tab, or the room deleted): forgotten,
   * and said, with the words of any message still to be sent there, which now goes
   * nowhere but can be copied from the notice. Added to what the notice says already: a
   * room list may reveal several removals at once, and each is told.
   */
  private removedFrom(roomId: string): void {
    const title = titleOfRoom(this.state, roomId, this.me.id) || 'a room';
    const unsent = this.state.pending.filter(
      (message) => message.roomId === roomId && message.state !== 'sent',
    );
    this.forget(roomId);
    this.tell(`You're no longer a member of ${title}.`);
    if (unsent.length > 0) this.tellUnsent(unsent);
  }

  /** Adds the words of messages that will never be sent to the notice shown. */
  private tellUnsent(unsent: readonly PendingMessage[]): void {
    const words = unsent.map((message) => `“${message.body}”`).join(' ');
    this.tell(`Not sent, as you are no longer a member there: ${words}`);
  }

  /**
   * Adds `text` to the notice shown, rather than replacing it: it stays until dismissed,
   * whatever failure shows or clears after it (a list loaded again says nothing of it).
   */
  private tell(text: string): void {
    this.told = this.told === null ? text : `${this.told} ${text}`;
    this.showFailure(this.failure);
  }

  /** Shows `failure` after what was told (null: no failure now). */
  private showFailure(failure: string | null): void {
    this.failure = failure;
    const error = [this.told, failure].filter((part) => part !== null).join(' ');
    this.set({ error: error === '' ? null : error });
  }

  /** A room this user is no longer in: gone from the list, never synced again. */
  private forget(roomId: string): void {
    this.leftAt.set(roomId, this.roomsAsked);
    this.versions.delete(roomId);
    this.unsynced.delete(roomId);
    this.resync.delete(roomId);
    const messages = new Map(this.state.messages);
    messages.delete(roomId);
    const details = new Map(this.state.details);
    details.delete(roomId);
    const loadFailures = new Map(this.state.loadFailures);
    loadFailures.delete(roomId);
    // Read cursors too: added again, this user starts from the room view's (0), and reads.
    const reads = new Map(this.state.reads);
    reads.delete(roomId);
    this.set({
      loadFailures,
      rooms: this.state.rooms.filter((room) => room.id !== roomId),
      messages,
      details,
      reads,
      openRoomId: this.state.openRoomId === roomId ? null : this.state.openRoomId,
    });
    this.queue.dropRoom(roomId);
  }

  async open(roomId: string | null): Promise<void> {
    this.opening = roomId;
    if (roomId !== null && roomId === this.state.openRoomId) {
      await this.ensureLoaded(roomId);
      return;
    }
    if (roomId !== null && !this.state.roomsLoaded) {
      // Opened from its URL before the room list came (a link, a reload): the list has
      // the room's unread count, which says where it opens and whether it is read at once.
      await this.firstRooms;
      if (this.opening !== roomId || roomId === this.state.openRoomId) return;
    }
    if (roomId !== null) {
      const unread = this.state.rooms.find((room) => room.id === roomId)?.unreadCount ?? 0;
      this.unreadAtOpen.set(roomId, unread);
      // Messages held from an earlier visit: the divider is known before the room shows.
      const held = this.state.messages.get(roomId)?.items ?? [];
      const divider = unread > 0 ? dividerSeq(held, this.me.id, this.unreadOf(roomId)) : undefined;
      const firstUnread = new Map(this.state.firstUnread);
      if (divider === undefined) firstUnread.delete(roomId);
      else firstUnread.set(roomId, divider);
      this.set({ firstUnread });
    }
    // With unread messages it opens at the divider: read once the list says its end is in
    // view (viewAtEnd), not before.
    this.readingLatest = roomId === null || this.unreadAtOpen.get(roomId) === 0;
    this.set({ openRoomId: roomId });
    if (roomId !== null) await this.ensureLoaded(roomId);
  }

  /** The room's details and latest messages, once; a failure is recorded for catchUp. */
  private ensureLoaded(roomId: string): Promise<void> {
    let loading = this.loading.get(roomId);
    if (loading === undefined) {
      loading = this.load(roomId).finally(() => this.loading.delete(roomId));
      this.loading.set(roomId, loading);
    }
    return loading;
  }

  private async load(roomId: string): Promise<void> {
    try {
      if (!this.state.details.has(roomId)) await this.fetchDetails(roomId);
      if (!this.state.messages.has(roomId)) await this.loadLatest(roomId);
    } catch (error) {
      const why: LoadFailure =
        error instanceof ApiError && error.unreachable
          ? 'offline'
          : error instanceof ApiError && (error.status === 403 || error.status === 404)
            ? 'gone'
            : 'error';
      this.set({ loadFailures: new Map(this.state.loadFailures).set(roomId, why) });
      // Offline, it also comes back with the `online` event or the socket's reconnection.
      if (why !== 'gone') this.scheduleCatchUp();
      return;
    }
    if (this.state.loadFailures.has(roomId)) {
      const loadFailures = new Map(this.state.loadFailures);
      loadFailures.delete(roomId);
      this.set({ loadFailures });
    }
    // Opened at the "new messages" divider, it is read once its end is in view (viewAtEnd).
    if (roomId === this.state.openRoomId && !this.state.firstUnread.has(roomId))
      this.markRead(roomId);
  }

  /**
   * Shows message `seq` of `roomId` (a search result, a reply's quote): the room opened
   * elsewhere (the URL), its older pages loaded down to the message; MessageList scrolls.
   */
  async jumpTo(roomId: string, seq: number): Promise<void> {
    this.set({ focus: { roomId, seq } });
    await this.ensureLoaded(roomId);
    for (;;) {
      const first = this.state.messages.get(roomId)?.items[0]?.seq;
      if (first === undefined || first <= seq || !this.state.messages.get(roomId)?.hasOlder) return;
      await this.loadOlder(roomId);
      if (this.state.messages.get(roomId)?.items[0]?.seq === first) return;
    }
  }

  /**
   * One message of a room by its seq: from the messages loaded, else asked for (a reply
   * kept across a reload to a message older than the page loaded); undefined when there
   * is none, or the server cannot say now.
   */
  async messageAt(roomId: string, seq: number): Promise<MessageView | undefined> {
    const loaded = this.state.messages.get(roomId)?.items.find((item) => item.seq === seq);
    if (loaded !== undefined) return loaded;
    const page = await this.fetchPage(
      roomId,
      new URLSearchParams({ afterSeq: String(seq - 1), limit: '1' }),
    );
    return page?.items.find((item) => item.seq === seq);
  }

  /** MessageList has shown the message jumped to. */
  focused(): void {
    this.set({ focus: null });
  }

  /** "Try again" on a room that failed to load. */
  retryLoad(roomId: string): void {
    void this.ensureLoaded(roomId);
  }

  // ---- users ----

  private remember(user: User): void {
    this.set({ users: new Map(this.state.users).set(user.id, user) });
    // Known again (a deletion the server undid): no longer called a deleted account.
    if (this.state.deletedUsers.has(user.id)) {
      const deletedUsers = new Set(this.state.deletedUsers);
      deletedUsers.delete(user.id);
      this.set({ deletedUsers });
    }
  }

  /**
   * A user who left a room may have deleted the account (its deletion takes the user out of
   * every room, and the account answers 404 from the start: docs/sagas.md): asked again, so
   * a deleted one is called so at once, on its messages too, not only after a reload.
   */
  private async recheckUser(userId: string): Promise<void> {
    // Only a name shown on a loaded message matters, once at a time; and a room's leave is
    // heard by every member at once, so each asks within a spread of its own, not together.
    if (this.state.deletedUsers.has(userId) || this.rechecks.has(userId)) return;
    if (
      ![...this.state.messages.values()].some(({ items }) =>
        items.some((m) => m.senderId === userId),
      )
    )
      return;
    this.rechecks.add(userId);
    try {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * RECHECK_SPREAD_MS));
      this.remember(await this.api.get(`/api/users/${encodeURIComponent(userId)}`, isUser));
    } catch (error) {
      // Anything but a 404 leaves the name as it was; the next page load asks again.
      this.isGoneAccount(userId, error);
    } finally {
      this.rechecks.delete(userId);
    }
  }

  /** Whether `error` (of `GET /api/users/:id`) says the account is gone; if so it is noted. */
  private isGoneAccount(userId: string, error: unknown): boolean {
    if (!(error instanceof ApiError && error.status === 404)) return false;
    this.set({ deletedUsers: new Set(this.state.deletedUsers).add(userId) });
    return true;
  }

  private async lookUpUser(userId: string): Promise<void> {
    if (this.state.users.has(userId) || this.userRequests.has(userId)) return;
    this.userRequests.add(userId);
    try {
      this.remember(await this.api.get(`/api/users/${encodeURIComponent(userId)}`, isUser));
    } catch (error) {
      // A deleted account is called so; anything else is worth a retry later.
      if (this.isGoneAccount(userId, error)) return;
      this.userRequests.delete(userId);
      this.fail(error);
    }
  }

  /** Users found by username or display name (API.md v1.1), never this one (if found, said). */
  async searchUsers(query: string): Promise<UsersFound> {
    const params = new URLSearchParams({ query, limit: String(SEARCH_RESULTS + 1) });
    const users = listOf(await this.api.get(`/api/users?${params.toString()}`), isUser).items;
    for (const user of users) this.remember(user);
    return usersFound(users, this.me.id, SEARCH_RESULTS);
  }

  // ---- messages ----

  /**
   * Messages of this user's rooms (or of `roomId` alone) whose text contains `query`
   * (API.md v1.1 search), newest first; `before`: the last result's id, for the next page.
   */
  async searchMessages(
    query: string,
    { before, roomId }: { before?: string; roomId?: string } = {},
  ): Promise<Page<MessageView>> {
    const params = new URLSearchParams({ query, limit: String(SEARCH_PAGE) });
    if (before !== undefined) params.set('before', before);
    if (roomId !== undefined) params.set('roomId', roomId);
    const page = listOf(await this.api.get(`/api/messages/search?${params.toString()}`), isMessage);
    for (const message of page.items) void this.lookUpUser(message.senderId);
    return page;
  }

  /**
   * The newest page; throws when it cannot be had (ensureLoaded records why). `afresh`: in
   * place of what is held (too far behind to catch up change by change), not merged in.
   */
  private async loadLatest(roomId: string, afresh = false): Promise<void> {
    const knownVersion = () =>
      Math.max(
        this.state.rooms.find((room) => room.id === roomId)?.lastVersion ?? 0,
        this.state.details.get(roomId)?.lastVersion ?? 0,
      );
    // Afresh, every change the room had when the page was asked for is in it or to
    // messages before it, which are not held any more: catch-up starts from there.
    const knownBefore = afresh ? knownVersion() : 0;
    // Opened with unread messages: loaded back to the first of them, for the divider.
    const opened = !afresh && roomId === this.state.openRoomId ? this.unreadOf(roomId) : undefined;
    const unread = opened !== undefined && opened.count > 0 ? opened : undefined;
    const page = listOf(
      await this.api.get(
        `/api/rooms/${encodeURIComponent(roomId)}/messages?limit=${pageFor(unread?.count ?? 0)}`,
      ),
      isMessage,
    );
    const { items: loaded, hasOlder } =
      unread === undefined
        ? { items: page.items, hasOlder: page.hasMore }
        : await this.backToFirstUnread(roomId, page, unread);
    // The newest page's, not the older pages' loaded after it: a change to an old message
    // made meanwhile gives one of those a version past changes (new messages) not loaded.
    const newest = Math.max(0, ...page.items.map((message) => message.version));
    const now = this.state.messages.get(roomId)?.items ?? [];
    // Afresh, only messages after the page's last stay (this user's acknowledged sends):
    // an older one held, edited since, would leave a gap before the page.
    const lastSeq = loaded.at(-1)?.seq ?? 0;
    const held = afresh ? now.filter((message) => message.seq > lastSeq) : now;
    // The divider is known before the messages show: the view opens at it, not at the end.
    const divider = unread === undefined ? undefined : dividerSeq(loaded, this.me.id, unread);
    if (divider !== undefined)
      this.set({ firstUnread: new Map(this.state.firstUnread).set(roomId, divider) });
    this.putMessages(roomId, mergeMessages(held, loaded), {
      hasOlder,
      ...(afresh ? { loadingOlder: false } : {}),
    });
    for (const message of loaded) this.settle(message);
    // The newest page holds every change up to its newest version: catch-up starts there.
    this.versions.set(
      roomId,
      afresh ? Math.max(knownBefore, newest) : Math.max(this.versions.get(roomId) ?? 0, newest),
    );
    // A change that came while the page was on its way was not kept (the room was not
    // loaded yet): what the room list or view knows beyond the page comes by `sync`.
    if (knownVersion() > (this.versions.get(roomId) ?? 0)) void this.sync(roomId);
  }

  /** The open room's unread count when it was opened, and this user's cursor there now. */
  private unreadOf(roomId: string): Unread {
    return {
      count: this.unreadAtOpen.get(roomId) ?? 0,
      cursor: this.state.reads.get(roomId)?.get(this.me.id),
    };
  }

  /**
   * The newest page and, while the first unread message is not among them, older pages
   * before it, up to UNREAD_LOADED_MOST messages; a failed older page stops there.
   */
  private async backToFirstUnread(
    roomId: string,
    newest: Page<MessageView>,
    unread: Unread,
  ): Promise<{ items: readonly MessageView[]; hasOlder: boolean }> {
    let items = newest.items;
    let hasOlder = newest.hasMore;
    while (
      hasOlder &&
      items.length < UNREAD_LOADED_MOST &&
      !reachesFirstUnread(items, this.me.id, unread)
    ) {
      const oldest = items[0];
      if (oldest === undefined) break;
      const older = await this.fetchPage(
        roomId,
        new URLSearchParams({
          beforeSeq: String(oldest.seq),
          limit: String(pageFor(unread.count)),
        }),
      );
      if (older === undefined) break;
      items = [...older.items, ...items];
      hasOlder = older.hasMore;
    }
    return { items, hasOlder };
  }

  async loadOlder(roomId: string): Promise<void> {
    const current = this.state.messages.get(roomId);
    const first = current?.items[0];
    if (current === undefined || first === undefined || !current.hasOlder || current.loadingOlder)
      return;
    this.putMessages(roomId, current.items, { loadingOlder: true });
    const page = await this.fetchPage(
      roomId,
      new URLSearchParams({ beforeSeq: String(first.seq), limit: String(PAGE) }),
    );
    // The room may have been left (and forgotten) while the page was on its way, or its
    // window loaded afresh: this page no longer joins on to it.
    const now = this.state.messages.get(roomId)?.items;
    if (now === undefined) return;
    if (now[0]?.seq !== first.seq) {
      this.putMessages(roomId, now, { loadingOlder: false });
      return;
    }
    this.putMessages(roomId, mergeMessages(now, page?.items ?? []), {
      loadingOlder: false,
      hasOlder: page?.hasMore ?? current.hasOlder,
    });
  }

  private async fetchPage(roomId: string, params: URLSearchParams) {
    try {
      return listOf(
        await this.api.get(
          `/api/rooms/${encodeURIComponent(roomId)}/messages?${params.toString()}`,
        ),
        isMessage,
      );
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  private putMessages(
    roomId: string,
    items: readonly MessageView[],
    flags: Partial<Omit<RoomMessages, 'items'>>,
  ): void {
    const before = this.state.messages.get(roomId);
    const next: RoomMessages = {
      items,
      hasOlder: flags.hasOlder ?? before?.hasOlder ?? false,
      loadingOlder: flags.loadingOlder ?? before?.loadingOlder ?? false,
    };
    this.set({ messages: new Map(this.state.messages).set(roomId, next) });
    for (const message of items) void this.lookUpUser(message.senderId);
    // Sent while the room was not loaded: now in its place among the loaded ones.
    this.queue.placed(new Set(items.map((message) => message.clientMsgId)));
  }

  /**
   * Messages from the server, new or changed (v1.1 `version`): kept in their latest state.
   * A live one past a gap in the room's versions fills the gap with `sync`. Only live
   * events and `sync` move the room's version: an acknowledgement may overtake others'
   * messages still on their way.
   */
  private receive(messages: readonly MessageView[], live: boolean): void {
    for (const message of messages) {
      this.settle(message);
      this.updateSummary(message, live);
      if (!this.state.messages.has(message.roomId)) continue;
      if (live && message.version > (this.versions.get(message.roomId) ?? 0) + 1) {
        void this.sync(message.roomId);
        continue;
      }
      this.apply(message.roomId, [message], live);
    }
    // Read only when the reader sees it: not while scrolled up in the history.
    if (
      live &&
      this.readingLatest &&
      messages.some((message) => message.roomId === this.state.openRoomId)
    )
      this.markRead(this.state.openRoomId);
  }

  /** Merged into the loaded window (message-merge.ts); `advance`: the room's version too. */
  private apply(roomId: string, changed: readonly MessageView[], advance: boolean): void {
    const loaded = this.state.messages.get(roomId);
    if (loaded === undefined) return;
    const fromSeq = loaded.hasOlder ? loaded.items[0]?.seq : undefined;
    this.putMessages(roomId, mergeMessages(loaded.items, changed, fromSeq), {});
    if (advance)
      this.versions.set(
        roomId,
        Math.max(this.versions.get(roomId) ?? 0, ...changed.map((message) => message.version)),
      );
  }

  private updateSummary(message: MessageView, live: boolean): void {
    const room = this.state.rooms.find((candidate) => candidate.id === message.roomId);
    if (room === undefined) {
      if (live) void this.loadRooms();
      return;
    }
    const lastVersion = Math.max(room.lastVersion, message.version);
    const last = room.lastMessage;
    if (message.seq <= room.lastSeq && last !== null) {
      if (live) this.recount(room, message);
      // An edit or deletion of the message the list shows: shown as it is now, in place.
      if (last.seq === message.seq && last.version < message.version)
        this.set({
          rooms: this.state.rooms.map((other) =>
            other.id === room.id ? { ...room, lastVersion, lastMessage: message } : other,
          ),
        });
      return;
    }
    // Unread unless seen as it comes: another room, a hidden page, or scrolled up.
    const unseen = message.senderId !== this.me.id && !this.seeing(message.roomId);
    const updated = {
      ...room,
      lastSeq: message.seq,
      lastVersion,
      lastMessage: message,
      unreadCount: unseen ? room.unreadCount + 1 : room.unreadCount,
      mentionCount:
        unseen && message.mentions.includes(this.me.id) ? room.mentionCount + 1 : room.mentionCount,
    };
    this.set({ rooms: [updated, ...this.state.rooms.filter((other) => other.id !== room.id)] });
  }

  /**
   * A live edit or deletion, in a room not looked at, that adds or takes out a mention of
   * this user (v1.1 `mentions` are computed again on an edit), or a deletion while the
   * room has unread messages (a deleted one is not unread): the room list again, as only
   * the server knows whether the message is past this user's read cursor. `room` is the
   * summary before the change; a message not held here may have named them before.
   */
  private recount(room: RoomSummaryView, message: MessageView): void {
    if (message.senderId === this.me.id || this.seeing(room.id)) return;
    if (message.deletedAt !== null && room.unreadCount > 0) {
      void this.loadRooms();
      return;
    }
    const held =
      this.state.messages.get(room.id)?.items.find((item) => item.seq === message.seq) ??
      (room.lastMessage?.seq === message.seq ? room.lastMessage : undefined);
    const now = message.mentions.includes(this.me.id);
    const changed =
      held === undefined
        ? now || room.mentionCount > 0
        : held.mentions.includes(this.me.id) !== now;
    if (changed) void this.loadRooms();
  }

  /**
   * Every change after the room's version, new messages and edits alike, page by page
   * (`sync` by `afterVersion`, API.md v1.1): after a reconnection, or past a gap.
   */
  private async sync(roomId: string): Promise<void> {
    const socket = this.socket;
    if (socket === null || !socket.connected) return;
    // A gap seen while a sync runs may lie past its last page: once more after it.
    if (this.syncing.has(roomId)) {
      this.resync.add(roomId);
      return;
    }
    this.syncing.add(roomId);
    try {
      const known = this.state.rooms.find((room) => room.id === roomId)?.lastVersion ?? 0;
      if (known - (this.versions.get(roomId) ?? 0) > RESYNC_AT_MOST) {
        await this.loadLatest(roomId, true);
        this.unsynced.delete(roomId);
        return;
      }
      for (;;) {
        const afterVersion = this.versions.get(roomId) ?? 0;
        const answer = readAck(
          await socket
            .timeout(ACK_TIMEOUT_MS)
            .emitWithAck('sync', { roomId, afterVersion, limit: SYNC_PAGE }),
        );
        // Removed (or the room gone) while this tab was not told: as if it had been.
        if (!answer.ok && (answer.code === 'forbidden' || answer.code === 'not_found')) {
          this.forget(roomId);
          return;
        }
        // Too many pages on their way to this tab at once (rooms sync side by side), or
        // the history budget spent: the same page again once the server's wait is over,
        // without a word to the user.
        if (!answer.ok && answer.code === 'rate_limited') {
          const waitMs = rateLimitWaitMs(answer.retryAfterSeconds) ?? RECONNECT_FIRST_MS;
          await new Promise((resolve) => setTimeout(resolve, waitMs));
          if (this.stopped || !socket.connected) {
            this.unsynced.add(roomId);
            return;
          }
          continue;
        }
        if (!answer.ok) throw new Error(answer.message);
        const page = changesOf(answer.body);
        if (page === undefined) throw new Error('malformed answer');
        this.apply(roomId, page.items, true);
        for (const message of page.items) {
          this.settle(message);
          this.updateSummary(message, false);
        }
        if (!page.hasMore || page.items.length === 0) break;
      }
      this.unsynced.delete(roomId);
      // What the sync brought to the open room, in view: read, as live messages are.
      if (roomId === this.state.openRoomId && this.readingLatest) this.markRead(roomId);
    } catch (error) {
      this.unsynced.add(roomId);
      this.fail(error);
      this.scheduleCatchUp();
    } finally {
      this.syncing.delete(roomId);
      if (this.resync.delete(roomId)) void this.sync(roomId);
    }
  }

  markRead(roomId: string | null): void {
    if (roomId === null || document.visibilityState === 'hidden') return;
    const seq = this.state.messages.get(roomId)?.items.at(-1)?.seq;
    // Nothing shown yet, nothing read: the count stays (opened again, the room still has
    // its divider).
    if (seq === undefined) return;
    const room = this.state.rooms.find((candidate) => candidate.id === roomId);
    if (room !== undefined && (room.unreadCount > 0 || room.mentionCount > 0))
      this.set({
        rooms: this.state.rooms.map((other) =>
          other.id === roomId ? { ...other, unreadCount: 0, mentionCount: 0 } : other,
        ),
      });
    if (this.socket?.connected !== true) return;
    const reads = this.state.reads.get(roomId);
    if ((reads?.get(this.me.id) ?? 0) >= seq) return;
    this.set({
      reads: new Map(this.state.reads).set(roomId, new Map(reads).set(this.me.id, seq)),
    });
    this.socket.emit('read', { roomId, seq }, (answer) => this.failUnlessRateLimited(answer));
  }

  // ---- sending ----

  send(roomId: string, body: string, replyToSeq?: number): void {
    const text = body.trim();
    if (text === '') return;
    this.setTyping(roomId, false);
    this.queue.add(roomId, text, replyToSeq);
  }

  /** The retry button of a failed message: the same clientMsgId again. */
  retry(clientMsgId: string): void {
    this.queue.retry(clientMsgId);
  }

  /**
   * A stored message of this user's settles the pending one with its clientMsgId (ack or
   * broadcast); SendQueue keeps it in view if its room's messages are not loaded.
   */
  private settle(message: MessageView): void {
    if (message.senderId === this.me.id)
      this.queue.settle(message.clientMsgId, this.state.messages.has(message.roomId));
  }

  // ---- changes to sent messages (v1.1) ----

  /** Edits one of this user's messages; false (with the reason shown) when refused. */
  editMessage(roomId: string, seq: number, body: string): Promise<boolean> {
    return this.change((socket) => socket.emitWithAck('message:edit', { roomId, seq, body }));
  }

  /** Deletes a message of this user's, or any as the room's owner. */
  deleteMessage(roomId: string, seq: number): Promise<boolean> {
    return this.change((socket) => socket.emitWithAck('message:delete', { roomId, seq }));
  }

  /** Adds this user's `emoji` to a message, or takes it back. */
  react(roomId: string, seq: number, emoji: string, add: boolean): Promise<boolean> {
    return this.change((socket) =>
      socket.emitWithAck(add ? 'reaction:add' : 'reaction:remove', { roomId, seq, emoji }),
    );
  }

  /**
   * A change goes out only while connected (unlike a send, it is not queued: applied later
   * it could undo what others did meanwhile). The answer's message is shown at once; the
   * room's version moves with the live event.
   */
  private async change(emit: (socket: TimedSocket) => Promise<unknown>): Promise<boolean> {
    const socket = this.socket;
    if (socket === null || !socket.connected) {
      this.showFailure("You're offline. Try that again when the connection is back.");
      return false;
    }
    const answer = await emit(socket.timeout(ACK_TIMEOUT_MS)).then(readAck, () => ({
      ok: false as const,
      code: 'timeout',
      message: '',
    }));
    if (!answer.ok) {
      this.showFailure(describeRefusal(answer.code, false, answer.message));
      return false;
    }
    const message = answer.body['message'];
    if (isMessage(message)) this.receive([message], false);
    return true;
  }

  // ---- typing ----

  private typingSentAt = 0;
  private typingStop: ReturnType<typeof setTimeout> | undefined;

  /** Called on every keystroke: `typing: true` at most every 2 s, false after 3 s idle. */
  typed(roomId: string): void {
    clearTimeout(this.typingStop);
    this.typingStop = setTimeout(() => this.setTyping(roomId, false), 3_000);
    if (Date.now() - this.typingSentAt < 2_000) return;
    this.typingSentAt = Date.now();
    this.emitTyping(roomId, true);
  }

  setTyping(roomId: string, typing: boolean): void {
    if (typing) {
      this.typed(roomId);
      return;
    }
    clearTimeout(this.typingStop);
    if (this.typingSentAt === 0) return;
    this.typingSentAt = 0;
    this.emitTyping(roomId, false);
  }

  private emitTyping(roomId: string, typing: boolean): void {
    if (this.socket?.connected !== true) return;
    this.socket.emit('typing', { roomId, typing }, (answer) => this.failUnlessRateLimited(answer));
  }

  /**
   * A refused `typing` or `read` said in plain words, unless it was only too frequent:
   * the next one says the same again (a quick typist's indicators, a read cursor), and the
   * user's messages still went out.
   */
  private failUnlessRateLimited(answer: unknown): void {
    const ack = readAck(answer);
    if (!ack.ok && ack.code !== 'rate_limited') this.showFailure(describeRefusal(ack.code, true));
  }

  private onTyping(roomId: string, userId: string, typing: boolean): void {
    const key = `${roomId}:${userId}`;
    clearTimeout(this.typingTimers.get(key));
    const current = this.state.typing.get(roomId) ?? [];
    const others = current.filter((id) => id !== userId);
    const next = typing ? [...others, userId] : others;
    this.set({ typing: new Map(this.state.typing).set(roomId, next) });
    // A `typing: false` can be lost with a connection: the indicator fades by itself.
    if (typing)
      this.typingTimers.set(
        key,
        setTimeout(() => this.onTyping(roomId, userId, false), TYPING_SHOWN_MS),
      );
    void this.lookUpUser(userId);
  }

  // ---- errors ----

  /**
   * A failure the user should know of, in plain words. Not when the network is the cause:
   * the offline banner and the views that wait for it say so, and catchUp retries.
   */
  private fail(error: unknown): void {
    if (error instanceof ApiError && error.unreachable) return;
    this.showFailure(describeError(error));
  }

  dismissError(): void {
    this.told = null;
    this.showFailure(null);
  }
}

/** A pending message the queue will send by itself: on its way, or waiting to be online. */
function stillToSend(message: PendingMessage): boolean {
  return message.state === 'sending' || message.failedBy === 'offline';
}
