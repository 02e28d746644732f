import { decode, encode } from 'notepack.io';
import type { BroadcastOptions } from 'socket.io-adapter';
import type { PersistedSession } from './messages';

const NO_ROOMS: readonly string[] = [];
/** Held packets' bytes are copied into chunks of this size that the log owns. */
const CHUNK_BYTES = 64 * 1024;
/** Room names kept to share one string among a room's packets; forgotten past this. */
const MAX_SHARED_ROOM_NAMES = 10_000;

/**
 * One broadcast as held for up to `maxDisconnectionDuration` (at 5,000 msg/s, 600,000 of
 * them): its arguments encoded once, and only what lookups need beside them, so a packet
 * costs a few small objects instead of the dozen a decoded payload is made of
 * (docs/benchmarks.md, "Recovery log memory"). Decoded only for a client that recovers.
 */
class HeldPacket {
  constructor(
    readonly offset: number,
    /** Milliseconds since the log began: a small integer, not a boxed number per packet. */
    readonly at: number,
    /** The event's arguments with the offset appended, as the client receives them (notepack). */
    readonly data: Buffer,
    /** Its one room (the usual case), or its rooms; none means everyone. */
    readonly rooms: string | readonly string[],
    readonly except: string | readonly string[],
  ) {}
}

interface StoredSession {
  readonly session: PersistedSession;
  /** The instance that held the socket. */
  readonly origin: string;
  /** Undefined while the socket is connected to a live instance; then it does not expire. */
  expiresAt: number | undefined;
  /** It expires because its instance was dropped (`originLost`), not because it left. */
  lostWithOrigin?: boolean;
}

export interface RestoredSession extends PersistedSession {
  /** The instance that held the socket before. */
  origin: string;
  /** True when that instance never said the socket was gone (it died, or lost the client). */
  wasLive: boolean;
}

/**
 * What one namespace needs to recover a connection on any instance.
 *
 * Sessions come in two kinds. A persisted session is what an instance wrote when one
 * of its sockets dropped. A live snapshot is what an instance writes while a socket is
 * connected (on connect and when its rooms change), so that when the instance itself
 * dies its sockets can still be restored elsewhere. Packets are the broadcasts of the
 * last `maxDisconnectionDuration`, in topic order (offsets of the single partition, so
 * every instance holds the same sequence).
 */
export class RecoveryLog {
  private readonly sessions = new Map<string, StoredSession>();
  /** Sessions restored to a socket still in its middlewares, by pid (`admitted`, `refused`). */
  private readonly admitting = new Map<string, StoredSession>();
  private readonly packets: HeldPacket[] = [];
  private readonly began: number;
  private readonly roomNames = new Map<string, string>();
  private readonly bytes = new HeldBytes();
  /** The offset of the newest packet dropped by `prune` (-1 while none was). */
  private newestPruned = -1;

  constructor(
    private readonly maxDisconnectionDuration: number,
    private readonly now: () => number = Date.now,
  ) {
    this.began = now();
  }

  /** A socket dropped on `origin`, which persisted its session. */
  addSession(origin: string, session: PersistedSession): void {
    this.sessions.set(session.pid, {
      session,
      origin,
      expiresAt: this.now() + this.maxDisconnectionDuration,
    });
  }

  /** A socket connected to `origin` is in these rooms now. */
  addSnapshot(origin: string, session: PersistedSession): void {
    this.sessions.set(session.pid, { session, origin, expiresAt: undefined });
  }

  /** `origin` closed a socket for good (no recovery wanted). */
  endSession(origin: string, pid: string): void {
    if (this.sessions.get(pid)?.origin === origin) this.sessions.delete(pid);
  }

  /** `origin` left the cluster: its sockets are disconnected from now on. */
  originLost(origin: string): void {
    const expiresAt = this.now() + this.maxDisconnectionDuration;
    for (const stored of this.sessions.values()) {
      if (stored.origin === origin && stored.expiresAt === undefined) {
        stored.expiresAt = expiresAt;
        stored.lostWithOrigin = true;
      }
    }
  }

  /**
   * `origin`, dropped a while ago (it could not read the topic for a heartbeat timeout),
   * is heard again: its sockets that were live then are live still, and do not expire.
   */
  originBack(origin: string): void {
    for (const stored of this.sessions.values()) {
      if (stored.origin === origin && stored.lostWithOrigin === true) {
        stored.expiresAt = undefined;
        stored.lostWithOrigin = false;
      }
    }
  }

  addPacket(offset: number, data: unknown[], opts: BroadcastOptions): void {
    this.packets.push(
      new HeldPacket(
        offset,
        this.now() - this.began,
        this.bytes.hold(encode(data)),
        this.heldRooms(opts.rooms),
        this.heldRooms(opts.except),
      ),
    );
  }

  /**
   * The rooms of `set` as held: the only one as itself, otherwise an array, each name the
   * string held already for that room (every record decodes its own copy).
   */
  private heldRooms(set: ReadonlySet<string> | undefined): string | readonly string[] {
    if (set === undefined || set.size === 0) return NO_ROOMS;
    if (set.size === 1) return this.shared(set.values().next().value as string);
    return [...set].map((room) => this.shared(room));
  }

  private shared(room: string): string {
    const held = this.roomNames.get(room);
    if (held !== undefined) return held;
    if (this.roomNames.size >= MAX_SHARED_ROOM_NAMES) this.roomNames.clear();
    this.roomNames.set(room, room);
    return room;
  }

  /** Drops packets and disconnected sessions older than `maxDisconnectionDuration`. */
  prune(): void {
    const now = this.now();
    const oldestKept = now - this.began - this.maxDisconnectionDuration;
    let stale = 0;
    while (stale < this.packets.length && (this.packets[stale]?.at ?? Infinity) < oldestKept)
      stale++;
    if (stale > 0) {
      this.newestPruned = this.packets[stale - 1]?.offset ?? this.newestPruned;
      this.packets.splice(0, stale);
    }
    for (const [pid, stored] of this.sessions) {
      if (stored.expiresAt !== undefined && stored.expiresAt < now) this.sessions.delete(pid);
    }
  }

  /**
   * The session of `pid`, or undefined when the session is unknown or expired, the
   * client's `offset` is no longer held and what it missed may have been dropped with it
   * (`missedNothingDropped`), or the socket is
   * still connected to `self` (a socket cannot be restored beside itself). A session is
   * restored once, when its socket is `admitted`; one `refused` by the middlewares (a
   * handshake with an expired token, say) may be restored again by the next try. What it
   * missed is `packetsAfter(offset, rooms)`.
   */
  restore(pid: string, offset: string, self: string): RestoredSession | undefined {
    const stored = this.sessions.get(pid);
    if (stored === undefined) return undefined;
    const wasLive = stored.expiresAt === undefined;
    if ((wasLive && stored.origin === self) || (!wasLive && (stored.expiresAt ?? 0) < this.now()))
      return undefined;
    if (!this.holds(Number(offset)) && !this.missedNothingDropped(Number(offset), stored.session))
      return undefined;
    this.sessions.delete(pid);
    this.admitting.set(pid, stored);
    return { ...stored.session, origin: stored.origin, wasLive };
  }

  /** The socket restored with `pid`'s session connected (or will not use it): it is used up. */
  admitted(pid: string): void {
    this.admitting.delete(pid);
  }

  /** The socket restored with `pid`'s session was refused: the session is there to restore again. */
  refused(pid: string): void {
    const stored = this.admitting.get(pid);
    this.admitting.delete(pid);
    if (stored !== undefined && !this.sessions.has(pid)) this.sessions.set(pid, stored);
  }

  /** The packets held after `offset` meant for a socket in `rooms`, as the client gets them. */
  packetsAfter(offset: number, rooms: readonly string[]): unknown[][] {
    return this.packets
      .slice(this.firstAfter(offset))
      .filter((packet) => isMeantFor(rooms, packet))
      .map((packet) => decode(packet.data) as unknown[]);
  }

  get size(): { sessions: number; packets: number } {
    return { sessions: this.sessions.size, packets: this.packets.length };
  }

  /** Binary search for the first packet after `offset` (the length when there is none). */
  private firstAfter(offset: number): number {
    let low = 0;
    let high = this.packets.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.packets[middle]?.offset ?? Infinity) <= offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /**
   * Whether a dropped socket whose `offset` is older than every packet held (its rooms
   * were quiet for longer than the window: Socket.IO's client sends the offset of the last
   * broadcast it received) missed nothing that was dropped. True when its instance had read
   * past every dropped packet when the socket dropped: the socket was connected then, so
   * it got each one meant for it, and what it missed is all held. A live snapshot (its
   * instance died) says nothing of what reached the socket, so it needs its offset held.
   */
  private missedNothingDropped(offset: number, session: PersistedSession): boolean {
    return (
      session.position !== undefined &&
      Number.isSafeInteger(offset) &&
      offset >= 0 &&
      offset <= this.newestPruned &&
      this.newestPruned <= session.position
    );
  }

  /** Whether the packet of `offset` is still held. */
  private holds(offset: number): boolean {
    return (
      Number.isSafeInteger(offset) && this.packets[this.firstAfter(offset) - 1]?.offset === offset
    );
  }
}

/** The rule of Socket.IO's in-memory adapter: to everyone, or to one of its rooms, and not excluded. */
function isMeantFor(sessionRooms: readonly string[], { rooms, except }: HeldPacket): boolean {
  return (rooms === NO_ROOMS || isInAny(sessionRooms, rooms)) && !isInAny(sessionRooms, except);
}

function isInAny(sessionRooms: readonly string[], held: string | readonly string[]): boolean {
  return typeof held === 'string'
    ? sessionRooms.includes(held)
    : held.some((room) => sessionRooms.includes(room));
}

/**
 * The bytes of held packets, packed into chunks of the log's own. A small buffer from
 * `encode` is a slice of Node's shared 8 KB pool: held for two minutes, it would keep its
 * whole slab alive, and with it every other allocation (Kafka records, WebSocket frames)
 * that shared the slab. A chunk holds only packets, and is freed with its last one.
 */
class HeldBytes {
  private chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  private used = 0;

  hold(bytes: Uint8Array): Buffer {
    if (bytes.length > CHUNK_BYTES / 4) {
      const own = Buffer.allocUnsafeSlow(bytes.length);
      own.set(bytes);
      return own;
    }
    if (this.used + bytes.length > CHUNK_BYTES) {
      this.chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
      this.used = 0;
    }
    const held = this.chunk.subarray(this.used, this.used + bytes.length);
    held.set(bytes);
    this.used += bytes.length;
    return held;
  }
}
