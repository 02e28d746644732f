import type { BroadcastOptions } from 'socket.io-adapter';
import type { PersistedSession } from './messages';

interface StoredPacket {
  readonly offset: number;
  readonly at: number;
  /** The event's arguments with the offset appended, as the client receives them. */
  readonly data: unknown[];
  readonly rooms: ReadonlySet<string>;
  readonly except: ReadonlySet<string>;
}

interface StoredSession {
  readonly session: PersistedSession;
  /** The instance that held the socket. */
  readonly origin: string;
  /** Undefined while the socket is connected to a live instance; then it does not expire. */
  expiresAt: number | undefined;
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
  private readonly packets: StoredPacket[] = [];

  constructor(
    private readonly maxDisconnectionDuration: number,
    private readonly now: () => number = Date.now,
  ) {}

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
      if (stored.origin === origin && stored.expiresAt === undefined) stored.expiresAt = expiresAt;
    }
  }

  addPacket(offset: number, data: unknown[], opts: BroadcastOptions): void {
    this.packets.push({
      offset,
      at: this.now(),
      data,
      rooms: opts.rooms,
      except: opts.except ?? new Set(),
    });
  }

  /** Drops packets and disconnected sessions older than `maxDisconnectionDuration`. */
  prune(): void {
    const now = this.now();
    let stale = 0;
    while (
      stale < this.packets.length &&
      (this.packets[stale]?.at ?? now) + this.maxDisconnectionDuration < now
    )
      stale++;
    if (stale > 0) this.packets.splice(0, stale);
    for (const [pid, stored] of this.sessions) {
      if (stored.expiresAt !== undefined && stored.expiresAt < now) this.sessions.delete(pid);
    }
  }

  /**
   * The session of `pid`, or undefined when the session is unknown or expired, the
   * client's `offset` is no longer held (what it missed is then unknown), or the socket is
   * still connected to `self` (a socket cannot be restored beside itself). A session is
   * restored once; what it missed is `packetsAfter(offset, rooms)`.
   */
  restore(pid: string, offset: string, self: string): RestoredSession | undefined {
    const stored = this.sessions.get(pid);
    if (stored === undefined) return undefined;
    const wasLive = stored.expiresAt === undefined;
    if ((wasLive && stored.origin === self) || (!wasLive && (stored.expiresAt ?? 0) < this.now()))
      return undefined;
    if (!this.holds(Number(offset))) return undefined;
    this.sessions.delete(pid);
    return { ...stored.session, origin: stored.origin, wasLive };
  }

  /** The packets held after `offset` meant for a socket in `rooms`, as the client gets them. */
  packetsAfter(offset: number, rooms: readonly string[]): unknown[][] {
    return this.packets
      .slice(this.firstAfter(offset))
      .filter((packet) => isMeantFor(rooms, packet))
      .map((packet) => packet.data);
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

  /** Whether the packet of `offset` is still held. */
  private holds(offset: number): boolean {
    return (
      Number.isSafeInteger(offset) && this.packets[this.firstAfter(offset) - 1]?.offset === offset
    );
  }
}

/** The rule of Socket.IO's in-memory adapter: to everyone, or to one of its rooms, and not excluded. */
function isMeantFor(sessionRooms: readonly string[], packet: StoredPacket): boolean {
  const included = packet.rooms.size === 0 || sessionRooms.some((room) => packet.rooms.has(room));
  const excluded = sessionRooms.some((room) => packet.except.has(room));
  return included && !excluded;
}
