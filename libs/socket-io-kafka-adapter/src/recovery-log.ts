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
  readonly expiresAt: number;
}

export interface RestoredSession extends PersistedSession {
  missedPackets: unknown[][];
}

/**
 * What one namespace needs to recover a connection on any instance: the sessions that
 * instances persisted when their sockets dropped, and the broadcast packets of the last
 * `maxDisconnectionDuration`, in topic order (offsets come from the single partition,
 * so every instance holds the same sequence).
 */
export class RecoveryLog {
  private readonly sessions = new Map<string, StoredSession>();
  private readonly packets: StoredPacket[] = [];

  constructor(
    private readonly maxDisconnectionDuration: number,
    private readonly now: () => number = Date.now,
  ) {}

  addSession(session: PersistedSession): void {
    this.sessions.set(session.pid, {
      session,
      expiresAt: this.now() + this.maxDisconnectionDuration,
    });
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

  /** Drops what is older than `maxDisconnectionDuration`. */
  prune(): void {
    const now = this.now();
    let stale = 0;
    while (
      stale < this.packets.length &&
      (this.packets[stale]?.at ?? now) + this.maxDisconnectionDuration < now
    )
      stale++;
    if (stale > 0) this.packets.splice(0, stale);
    for (const [pid, stored] of this.sessions)
      if (stored.expiresAt < now) this.sessions.delete(pid);
  }

  /**
   * The session of `pid` with every packet after `offset` that was meant for it, or
   * undefined when the session is unknown or expired or the offset is no longer held.
   * A session is restored once.
   */
  restore(pid: string, offset: string): RestoredSession | undefined {
    const stored = this.sessions.get(pid);
    if (stored === undefined || stored.expiresAt < this.now()) return undefined;
    const position = this.indexOf(Number(offset));
    if (position === undefined) return undefined;
    this.sessions.delete(pid);
    const { session } = stored;
    const missedPackets = this.packets
      .slice(position + 1)
      .filter((packet) => isMeantFor(session.rooms, packet))
      .map((packet) => packet.data);
    return { ...session, missedPackets };
  }

  get size(): { sessions: number; packets: number } {
    return { sessions: this.sessions.size, packets: this.packets.length };
  }

  /** Binary search: offsets are stored in increasing order. */
  private indexOf(offset: number): number | undefined {
    if (!Number.isSafeInteger(offset)) return undefined;
    let low = 0;
    let high = this.packets.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const found = this.packets[middle]?.offset ?? -1;
      if (found === offset) return middle;
      if (found < offset) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }
}

/** The rule of Socket.IO's in-memory adapter: to everyone, or to one of its rooms, and not excluded. */
function isMeantFor(sessionRooms: readonly string[], packet: StoredPacket): boolean {
  const included = packet.rooms.size === 0 || sessionRooms.some((room) => packet.rooms.has(room));
  const excluded = sessionRooms.some((room) => packet.except.has(room));
  return included && !excluded;
}
