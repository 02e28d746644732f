import { randomBytes } from 'node:crypto';
import { Adapter, type BroadcastOptions, type Room, type Session } from 'socket.io-adapter';
import type { BusMember, KafkaBus } from './kafka-bus';
import {
  isEncodable,
  MessageType,
  RESERVED_EVENTS,
  ResponseType,
  type ClusterMessage,
  type EncodedOptions,
  type Packet,
  type PersistedSession,
  type ResponseBody,
  type SocketDetails,
  type Unsent,
} from './messages';
import { AckCollector, PeerRequest } from './peer-requests';
import { RecoveryLog } from './recovery-log';

const EVENT_PACKET = 2;
const DEFAULT_MAX_DISCONNECTION = 120_000;
/** Streams whose last position is remembered; the least recently delivered are forgotten. */
const MAX_STREAMS = 100_000;

function encodeOptions(opts: BroadcastOptions): EncodedOptions {
  return {
    rooms: [...opts.rooms],
    except: [...(opts.except ?? [])],
    ...(opts.flags ? { flags: { ...opts.flags } } : {}),
  };
}

function decodeOptions(opts: EncodedOptions): BroadcastOptions {
  return {
    rooms: new Set(opts.rooms),
    except: new Set(opts.except),
    ...(opts.flags ? { flags: opts.flags } : {}),
  };
}

/** Records are keyed by their first room, so a room's records stay together. */
function keyOf(opts: BroadcastOptions): string {
  return opts.rooms.values().next().value ?? '';
}

const requestId = () => randomBytes(8).toString('hex');

/** Handshake headers that carry credentials (`shareHandshakeCredentials`). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** What the adapter reads of a local socket to snapshot its session. */
interface LocalSocket {
  id: string;
  pid?: string;
  data: unknown;
  rooms: Set<string>;
  disconnect(close?: boolean): void;
  /** Writes a packet to this socket's client (what Socket.IO replays missed packets with). */
  packet(packet: { type: number; data: unknown[] }): void;
}

// Namespace internals the adapter calls, as Socket.IO's own cluster adapter does.
interface NamespaceInternals {
  name: string;
  server: { opts: { connectionStateRecovery?: { maxDisconnectionDuration?: number } } };
  sockets: Map<string, LocalSocket>;
  _onServerSideEmit(args: unknown[]): void;
  on(event: 'connection', listener: (socket: LocalSocket) => void): void;
}

/**
 * The Socket.IO adapter of one namespace. Every cluster-wide operation is written to the
 * topic and carried out when it is read back, on this instance as on every other; so all
 * instances apply broadcasts, joins and leaves in one order, the topic's, and the
 * offsets that connection-state recovery hands to clients mean the same everywhere.
 */
/** How long a reconnecting client's handshake waits for this instance to read the topic. */
const RECOVERY_CATCH_UP_MS = 5_000;

export class KafkaAdapter extends Adapter implements BusMember {
  private readonly namespace: NamespaceInternals;
  private readonly recovery: RecoveryLog | undefined;
  private readonly fetches = new Map<string, PeerRequest<SocketDetails>>();
  private readonly serverEmits = new Map<string, PeerRequest<unknown>>();
  private readonly acks = new Map<string, AckCollector>();
  /** Sockets whose session snapshot is due (written once per tick, whatever changed). */
  private readonly snapshotsDue = new Set<string>();
  /** Sockets whose session was just persisted on a recoverable disconnect. */
  private readonly persisted = new Set<string>();
  /**
   * Restored sockets not connected yet (in their middlewares), with the offset their
   * client had: what they missed, before and during their admission (Socket.IO delivers
   * only to connected sockets), they get when they connect.
   */
  private readonly admitting = new Map<string, { offset: number; pid: string }>();
  /** The offset of the last record read from the topic (-1 before the first). */
  private readThrough = -1;
  /** The last position delivered of each stream (`positionOf`), least recent first. */
  private readonly positions = new Map<string, number>();
  /** Broadcasts dropped as repeats of a stream position already delivered. */
  repeatsDropped = 0;

  constructor(
    nsp: unknown,
    private readonly bus: KafkaBus,
  ) {
    super(nsp);
    this.namespace = nsp as NamespaceInternals;
    const recovery = this.namespace.server.opts.connectionStateRecovery;
    this.recovery =
      recovery === undefined
        ? undefined
        : new RecoveryLog(recovery.maxDisconnectionDuration ?? DEFAULT_MAX_DISCONNECTION);
    bus.register(this);
    this.namespace.on('connection', (socket) => this.catchUp(socket));
  }

  /**
   * A restored socket has passed its middlewares (which may have moved it between rooms):
   * it gets every packet after its client's offset meant for the rooms it is in now.
   * Synchronous with its connection, so nothing is delivered twice or between.
   */
  private catchUp(socket: LocalSocket): void {
    const admitted = this.admitting.get(socket.id);
    if (admitted === undefined) return;
    this.admitting.delete(socket.id);
    this.recovery?.admitted(admitted.pid);
    const missed = this.recovery?.packetsAfter(admitted.offset, [...socket.rooms]) ?? [];
    // Written as they are, with their offsets: `socket.emit` would broadcast them anew
    // through the topic (with recovery on), late and as repeats.
    for (const data of missed) socket.packet({ type: EVENT_PACKET, data });
  }

  get nspName(): string {
    return this.namespace.name;
  }

  /**
   * True when `packet` is at or before the position last delivered of its stream (see
   * `positionOf`); otherwise its position becomes the stream's last.
   */
  private isRepeat(packet: Packet): boolean {
    const at = this.bus.options.positionOf(packet);
    if (at === undefined) return false;
    const last = this.positions.get(at.stream);
    if (last !== undefined && at.position <= last) {
      this.repeatsDropped += 1;
      return true;
    }
    this.positions.delete(at.stream);
    this.positions.set(at.stream, at.position);
    if (this.positions.size > MAX_STREAMS) {
      const oldest = this.positions.keys().next().value;
      if (oldest !== undefined) this.positions.delete(oldest);
    }
    return false;
  }

  /** How many sessions and packets this instance holds for connection-state recovery. */
  recoverySize(): { sessions: number; packets: number } {
    return this.recovery?.size ?? { sessions: 0, packets: 0 };
  }

  override init(): Promise<void> {
    return this.bus.start();
  }

  override close(): Promise<void> {
    return this.bus.unregister(this);
  }

  /**
   * Resolves once every broadcast made so far from this instance is in Kafka (or was
   * refused and reported). A consumer that broadcasts what it reads awaits this before
   * its offset moves on, so an instance that dies right after loses no broadcast.
   */
  published(): Promise<void> {
    return this.bus.settled();
  }

  /**
   * As `published`, waiting `timeoutMs` at most, and not at all when it could not be in
   * time: publishing fails (Kafka away), or a record has waited `timeoutMs` already (a
   * broker that stopped answering, a backlog too long). True once everything broadcast so
   * far is in Kafka or refused; false when it was not within `timeoutMs`, or could not be
   * (then at once). Every instance delivers broadcasts in the topic's order, so a caller
   * that waits for this before letting another instance broadcast (a lock held across it)
   * has its broadcast heard first everywhere.
   */
  async publishedWithin(timeoutMs: number): Promise<boolean> {
    if (this.bus.publishFailing || this.bus.oldestPublishWaitMs >= timeoutMs) return false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.bus.settled().then(() => true), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * How many records this instance has had refused so far, of every kind, broadcasts and
   * the rest (joins, snapshots, answers, heartbeats): its publish buffer was full while
   * Kafka was away, it was closing, the broker refused a record as too large, or a record
   * could not be encoded. A consumer compares the count before and after its broadcasts:
   * unchanged, all of them went out; grown, some record did not (maybe not a broadcast).
   */
  refusedBroadcasts(): number {
    return this.bus.stats.refused;
  }

  override serverCount(): Promise<number> {
    return Promise.resolve(this.bus.serverCount());
  }

  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    if (opts.flags?.local) {
      super.broadcast(packet, opts);
      return;
    }
    this.send(
      { type: MessageType.Broadcast, nsp: this.nspName, packet, opts: encodeOptions(opts) },
      keyOf(opts),
    );
  }

  override broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    if (opts.flags?.local) {
      super.broadcastWithAck(packet, opts, clientCountCallback, ack);
      return;
    }
    const id = requestId();
    this.acks.set(
      id,
      new AckCollector([this.bus.uid, ...this.bus.peerIds()], clientCountCallback, ack),
    );
    setTimeout(
      () => this.acks.delete(id),
      opts.flags?.timeout ?? this.bus.options.requestsTimeout,
    ).unref();
    this.send(
      {
        type: MessageType.Broadcast,
        nsp: this.nspName,
        packet,
        opts: encodeOptions(opts),
        requestId: id,
      },
      keyOf(opts),
    );
  }

  override addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (opts.flags?.local) super.addSockets(opts, rooms);
    else
      this.send(
        { type: MessageType.SocketsJoin, nsp: this.nspName, opts: encodeOptions(opts), rooms },
        keyOf(opts),
      );
  }

  override delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (opts.flags?.local) super.delSockets(opts, rooms);
    else
      this.send(
        { type: MessageType.SocketsLeave, nsp: this.nspName, opts: encodeOptions(opts), rooms },
        keyOf(opts),
      );
  }

  override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    if (opts.flags?.local) super.disconnectSockets(opts, close);
    else
      this.send(
        {
          type: MessageType.DisconnectSockets,
          nsp: this.nspName,
          opts: encodeOptions(opts),
          close,
        },
        keyOf(opts),
      );
  }

  override async fetchSockets(opts: BroadcastOptions): Promise<unknown[]> {
    const local = await super.fetchSockets(opts);
    const peers = this.bus.peerIds();
    if (opts.flags?.local || peers.length === 0) return local;
    const id = requestId();
    return new Promise((resolve, reject) => {
      const request = new PeerRequest<unknown>(
        peers,
        local,
        opts.flags?.timeout ?? this.bus.options.requestsTimeout,
        (sockets, missing) => {
          this.fetches.delete(id);
          if (missing.length === 0) resolve(sockets);
          else
            reject(
              new Error(
                `fetchSockets timed out waiting for ${missing.length} of ${peers.length} instances`,
              ),
            );
        },
      );
      this.fetches.set(id, request as PeerRequest<SocketDetails>);
      this.send(
        {
          type: MessageType.FetchSockets,
          nsp: this.nspName,
          opts: encodeOptions(opts),
          requestId: id,
        },
        id,
      );
    });
  }

  override serverSideEmit(packet: unknown[]): void {
    // Every instance drops such an emit as malformed; its sender learns it here, as
    // Socket.IO's namespace tells it of the names it refuses itself.
    const [event] = packet;
    if (typeof event === 'string' && RESERVED_EVENTS.has(event))
      throw new Error(`"${event}" is a reserved event name`);
    const last = packet[packet.length - 1];
    if (typeof last !== 'function') {
      this.send(
        { type: MessageType.ServerSideEmit, nsp: this.nspName, args: packet },
        this.bus.uid,
      );
      return;
    }
    const callback = last as (error: Error | null, responses: unknown[]) => void;
    const args = packet.slice(0, -1);
    const peers = this.bus.peerIds();
    const id = requestId();
    const request = new PeerRequest<unknown>(
      peers,
      [],
      this.bus.options.requestsTimeout,
      (responses, missing) => {
        this.serverEmits.delete(id);
        callback(
          missing.length === 0
            ? null
            : new Error(
                `timeout reached: ${missing.length} of ${peers.length} instances did not answer`,
              ),
          responses,
        );
      },
    );
    if (request.done) return;
    this.serverEmits.set(id, request);
    this.send(
      { type: MessageType.ServerSideEmit, nsp: this.nspName, args, requestId: id },
      this.bus.uid,
    );
  }

  override addAll(id: string, rooms: Set<Room>): void {
    void super.addAll(id, rooms);
    this.snapshotSoon(id);
  }

  override del(id: string, room: Room): void {
    void super.del(id, room);
    this.snapshotSoon(id);
  }

  override delAll(id: string): void {
    // Also a restored socket that its middlewares refused: its session may be restored by
    // the client's next try (with a fresh token, say), here as on the other instances.
    const refused = this.admitting.get(id);
    if (refused !== undefined) {
      this.admitting.delete(id);
      this.recovery?.refused(refused.pid);
    }
    const pid = this.namespace.sockets.get(id)?.pid;
    const persisted = this.persisted.delete(id);
    this.snapshotsDue.delete(id);
    super.delAll(id);
    // Gone for good (not a recoverable drop): the others forget its snapshot.
    if (this.recovery !== undefined && pid !== undefined && !persisted) {
      this.send({ type: MessageType.SessionEnd, nsp: this.nspName, pid }, pid);
    }
  }

  override persistSession(session: PersistedSession): void {
    if (this.recovery === undefined) return;
    this.persisted.add(session.sid);
    this.send(
      {
        type: MessageType.Session,
        nsp: this.nspName,
        session: { ...session, position: this.readThrough },
        live: false,
      },
      session.pid,
    );
  }

  override async restoreSession(pid: string, offset: string): Promise<Session> {
    if (this.recovery === undefined) return null as unknown as Session;
    // The session may have been written on another instance a moment ago. A client waits
    // in its handshake meanwhile: at most RECOVERY_CATCH_UP_MS, then it starts afresh.
    await this.bus.waitUntilCaughtUp(
      Math.min(RECOVERY_CATCH_UP_MS, this.bus.options.requestsTimeout),
    );
    const restored = this.recovery.restore(pid, offset, this.bus.uid);
    if (restored === undefined) return null as unknown as Session;
    if (restored.wasLive) {
      // Its instance died, or lost the client without noticing: if it is alive it lets go.
      this.send({ type: MessageType.SessionTaken, nsp: this.nspName, pid, sid: restored.sid }, pid);
    }
    const rooms = await this.bus.options.roomsOnRecovery({
      data: restored.data,
      rooms: restored.rooms,
    });
    if (rooms === undefined) {
      // Not to be restored at all: used up, the socket starts afresh.
      this.recovery.admitted(pid);
      return null as unknown as Session;
    }
    // Nothing is replayed yet: Socket.IO would write it at once, before the middlewares
    // have checked the handshake. The socket gets what it missed when it connects, for
    // the rooms it is in then (catchUp).
    this.admitting.set(restored.sid, { offset: Number(offset), pid });
    return { ...restored, rooms: [...rooms], missedPackets: [] } as unknown as Session;
  }

  /** A record read back from the topic, written by this instance or another. */
  onMessage(message: ClusterMessage, offset: number): void {
    this.readThrough = offset;
    const fromSelf = message.uid === this.bus.uid;
    switch (message.type) {
      case MessageType.Broadcast: {
        const opts = decodeOptions(message.opts);
        const id = message.requestId;
        if (id === undefined) {
          this.deliver(message.packet, opts, offset);
        } else {
          super.broadcastWithAck(
            message.packet,
            opts,
            (count) =>
              this.respond(message.uid, id, { response: ResponseType.BroadcastClientCount, count }),
            (value: unknown) =>
              this.respond(message.uid, id, { response: ResponseType.BroadcastAck, value }),
          );
        }
        break;
      }
      case MessageType.SocketsJoin:
        super.addSockets(decodeOptions(message.opts), message.rooms);
        break;
      case MessageType.SocketsLeave:
        super.delSockets(decodeOptions(message.opts), message.rooms);
        break;
      case MessageType.DisconnectSockets:
        super.disconnectSockets(decodeOptions(message.opts), message.close);
        break;
      case MessageType.FetchSockets:
        if (!fromSelf)
          this.answerFetch(message.uid, message.requestId, decodeOptions(message.opts)).catch(
            (error: unknown) =>
              this.bus.options.logger.error({ err: error }, 'answering fetchSockets failed'),
          );
        break;
      case MessageType.ServerSideEmit:
        if (!fromSelf) this.answerServerSideEmit(message.uid, message.args, message.requestId);
        break;
      case MessageType.Session:
        if (message.live) this.recovery?.addSnapshot(message.uid, message.session);
        else this.recovery?.addSession(message.uid, message.session);
        break;
      case MessageType.SessionEnd:
        this.recovery?.endSession(message.uid, message.pid);
        break;
      case MessageType.SessionTaken: {
        const socket = fromSelf ? undefined : this.namespace.sockets.get(message.sid);
        if (socket?.pid === message.pid) socket.disconnect(true);
        break;
      }
      case MessageType.Response:
        if (message.requester === this.bus.uid)
          this.onResponse(message.uid, message.requestId, message);
        break;
      case MessageType.InitialHeartbeat:
      case MessageType.Heartbeat:
      case MessageType.Close:
        break;
    }
  }

  onPeerSeen(uid: string): void {
    // Dropped for a while and back (it had stopped hearing the topic): its live sockets'
    // snapshots no longer expire.
    this.recovery?.originBack(uid);
  }

  onPeerLost(uid: string): void {
    this.recovery?.originLost(uid);
    for (const request of this.fetches.values()) request.peerLost(uid);
    for (const request of this.serverEmits.values()) request.peerLost(uid);
    for (const collector of this.acks.values()) collector.nodeLost(uid);
  }

  onTick(): void {
    this.recovery?.prune();
  }

  private snapshotSoon(id: string): void {
    if (this.recovery === undefined || !this.namespace.sockets.has(id)) return;
    if (this.snapshotsDue.size === 0) setImmediate(() => this.writeSnapshots());
    this.snapshotsDue.add(id);
  }

  /**
   * One record per socket, each refused on its own (a socket whose data cannot be encoded
   * costs its own snapshot only). The set is emptied first, so nothing leaves it stuck.
   */
  private writeSnapshots(): void {
    const due = [...this.snapshotsDue];
    this.snapshotsDue.clear();
    for (const id of due) {
      const socket = this.namespace.sockets.get(id);
      if (socket?.pid === undefined) continue;
      const session = {
        sid: socket.id,
        pid: socket.pid,
        rooms: [...socket.rooms],
        data: socket.data,
      };
      this.send({ type: MessageType.Session, nsp: this.nspName, session, live: true }, socket.pid);
    }
  }

  private deliver(packet: Packet, opts: BroadcastOptions, offset: number): void {
    if (this.isRepeat(packet)) return;
    const recoverable =
      this.recovery !== undefined &&
      packet.type === EVENT_PACKET &&
      packet.id === undefined &&
      opts.flags?.volatile === undefined;
    if (recoverable && Array.isArray(packet.data)) {
      packet.data = [...packet.data, String(offset)];
      this.recovery?.addPacket(offset, packet.data, opts);
    }
    super.broadcast(packet, opts);
  }

  /**
   * Answers with the sockets that can travel: one whose data or handshake cannot be
   * encoded (a BigInt, a cycle) is left out and logged, rather than costing the answer.
   */
  private async answerFetch(requester: string, id: string, opts: BroadcastOptions): Promise<void> {
    const local = (await super.fetchSockets(opts)) as {
      id: string;
      handshake: Record<string, unknown>;
      rooms: Set<string>;
      data: unknown;
    }[];
    const sockets: SocketDetails[] = [];
    for (const socket of local) {
      const handshake = this.travellingHandshake(socket.handshake);
      const details = { id: socket.id, handshake, rooms: [...socket.rooms], data: socket.data };
      if (isEncodable(details)) sockets.push(details);
      else
        this.bus.options.logger.warn(
          { socket: socket.id, requester },
          'left a socket out of a fetchSockets answer: its data or handshake cannot be encoded',
        );
    }
    this.respond(requester, id, { response: ResponseType.FetchSockets, sockets });
  }

  /**
   * What a fetchSockets answer tells of a socket's handshake: not the session store (a
   * server-side object), nor its credentials unless `shareHandshakeCredentials` says so.
   */
  private travellingHandshake(handshake: Record<string, unknown>): Record<string, unknown> {
    const { sessionStore, ...rest } = handshake;
    if (this.bus.options.shareHandshakeCredentials) return rest;
    const { auth, headers, ...others } = rest;
    const kept =
      typeof headers === 'object' && headers !== null
        ? Object.fromEntries(
            Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())),
          )
        : headers;
    return { ...others, headers: kept, auth: {} };
  }

  private answerServerSideEmit(requester: string, args: unknown[], id: string | undefined): void {
    if (id === undefined) {
      this.namespace._onServerSideEmit(args);
      return;
    }
    let answered = false;
    const callback = (value: unknown) => {
      if (answered) return;
      answered = true;
      this.respond(requester, id, { response: ResponseType.ServerSideEmit, value });
    };
    this.namespace._onServerSideEmit([...args, callback]);
  }

  private respond(requester: string, id: string, body: ResponseBody): void {
    if (requester === this.bus.uid) {
      this.onResponse(this.bus.uid, id, body);
      return;
    }
    this.send(
      { type: MessageType.Response, nsp: this.nspName, requester, requestId: id, ...body },
      requester,
    );
  }

  private onResponse(from: string, id: string, body: ResponseBody): void {
    switch (body.response) {
      case ResponseType.BroadcastClientCount:
        this.acks.get(id)?.count(from, body.count);
        break;
      case ResponseType.BroadcastAck:
        this.acks.get(id)?.acked(from, body.value);
        break;
      case ResponseType.FetchSockets:
        this.fetches.get(id)?.answer(from, body.sockets);
        break;
      case ResponseType.ServerSideEmit:
        this.serverEmits.get(id)?.answer(from, [body.value]);
        break;
    }
  }

  private send(message: Unsent<ClusterMessage>, key: string): void {
    // A refused publish is counted, logged and emitted by the bus; the caller of a
    // Socket.IO broadcast has no error channel to receive it.
    this.bus.publish(message, key).catch(() => undefined);
  }
}
