import { Inject, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import { ACCESS_TOKEN_LEEWAY_SECONDS, type VerifiedAccessToken } from '@scale-chat/access-tokens';
import {
  CHAT_LIMITS,
  MESSAGE_CHANGE_LIMITS,
  type HandshakeErrorCode,
  type SocketAckError,
  type MessageView,
  type SyncPage,
} from '@scale-chat/contracts';
import {
  BearerAuthentication,
  SERVICE_CONFIG,
  FixedWindowRateLimiter,
  RevokedLogins,
  tooManyRequests,
} from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import type { ExtendedError, Socket } from 'socket.io';
import type { ChatConfig } from '../chat-config';
import { ReadEvent, SyncEvent, TypingEvent } from '../messages/messages.dto';
import { parseSendMessage } from '../messages/send-message-payload';
import { MessagesService, type SendOutcome } from '../messages/messages.service';
import { MessageChangesService } from '../messages/message-changes.service';
import { SyncByVersionEvent } from '../messages/message-changes.dto';
import { PAGE_BYTES_MAX } from '../messages/page-bytes';
import { ChatMetrics } from './chat-metrics';
import { UserRateLimits } from '../limits/user-rate-limits';
import { PresenceService } from '../presence/presence.service';
import { RoomsService } from '../rooms/rooms.service';
import {
  chatRoom,
  isChatRoom,
  LiveRooms,
  loginRoom,
  userRoom,
  type ChatServer,
} from './live-rooms';
import { queuedBytes, SlowReaders } from './slow-readers';
import { closeRecoverably, SocketAnswers, type Ack } from './socket-answers';
import {
  authenticateSockets,
  UNAUTHORIZED,
  userOf,
  type ChatSocketData,
} from './socket-authentication';
import {
  ackFailure,
  budgetOf,
  parsePayload,
  SocketError,
  unknownEventRefusal,
} from './socket-payloads';

/** A `sync` payload that asks by version: it names `afterVersion`. */
const isSyncByVersion = (payload: unknown): payload is { readonly afterVersion: unknown } =>
  typeof payload === 'object' && payload !== null && Object.hasOwn(payload, 'afterVersion');

/** The window in which a socket's refused events are counted (SEND_REFUSALS_BEFORE_DISCONNECT). */
const FLOOD_WINDOW_MS = 10_000;
/** A flooding socket's last refusal, and every one after it until it is closed. */
const FLOODED = `Too many requests: this connection is closed; connect again in ${FLOOD_WINDOW_MS / 1000} s`;
/**
 * Bytes that may wait for a socket's client before its next `sync` is refused: two full
 * pages. A client that reads each answer before asking again has at most one page on its
 * way; one that syncs rooms side by side (the web app) may meet it on a slow link, and
 * asks again after the second it is told to wait.
 */
const SYNC_WAITING_BYTES_MAX = 2 * PAGE_BYTES_MAX;
const EARLIER_ANSWERS_WAITING =
  'Too many requests: earlier answers are still on their way to this client; try again in 1 s';
/** The refusal of a flooding socket's events, while it is being closed. */
const flooded = () => new SocketError('rate_limited', FLOODED, FLOOD_WINDOW_MS / 1000);
/** How many events API.md does not name count as one refusal towards flooding. */
const UNKNOWN_EVENTS_PER_REFUSAL = 10;
/** How long a flooding socket's sends in flight may take to be answered before it closes. */
const SEND_ANSWERS_WAIT_MS = 10_000;

/** The connect_error of a socket past SOCKETS_PER_USER_MAX. */
const TOO_MANY_CONNECTIONS = 'too_many_connections' satisfies HandshakeErrorCode;
/** The connect_error of a handshake past its user's budget (HANDSHAKE_RATE_*). */
const RATE_LIMITED = 'rate_limited' satisfies HandshakeErrorCode;
/** Why a socket whose client left during its admission is dropped (nobody hears it). */
const CLIENT_GONE = 'client gone';
/** Why a handshake under way when the instance began to shut down is dropped. */
const SHUTTING_DOWN = 'shutting down';

/**
 * How long after its token stops being accepted a quiet socket is closed. One that acts
 * first is refused at that event (`SocketAnswers.answer`: acked `unauthorized`, then
 * closed, as API.md says); one that only listens is closed a moment later all the same.
 */
const QUIET_SOCKET_GRACE_MS = 5_000;
/** setTimeout's longest delay; a token lives far shorter than this (24.8 days). */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * The Socket.IO endpoint of API.md on the default namespace. Every socket is
 * authenticated at the handshake and is in its user's rooms before it hears `connect`;
 * every event is validated, authorized against the room's membership and acknowledged
 * (`SocketAnswers`), and a bad one never closes the connection. On shutdown it drains
 * first (`onModuleDestroy`); then Nest closes the server, which drops this instance's sockets as
 * "server shutting down": a reason Socket.IO recovers from, so they come back on another
 * instance with their state.
 */
@WebSocketGateway()
export class ChatGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy
{
  @WebSocketServer()
  private readonly server!: ChatServer;
  /** Set when the instance begins to shut down: no socket is admitted any more. */
  private draining = false;
  /** Refused events per socket: one refused too often within 10 s is flooding. */
  private readonly refusals: FixedWindowRateLimiter;
  /**
   * Events API.md does not name, per socket: ten times as many as refusals may come in
   * 10 s before that is flooding too (each is answered, and answers cost the instance).
   */
  private readonly unknownEvents: FixedWindowRateLimiter;
  /** Each socket's sends in the order it made them. */
  private readonly sendQueues = new WeakMap<Socket, Promise<unknown>>();
  /** Sockets closed for flooding, closing once their sends in flight are answered. */
  private readonly flooded = new WeakSet<Socket>();
  /** The chat rooms each socket was put in while admitted, until it connects. */
  private readonly admittedRooms = new WeakMap<Socket, readonly string[]>();

  constructor(
    private readonly bearer: BearerAuthentication,
    @Inject(SERVICE_CONFIG) config: ChatConfig,
    private readonly live: LiveRooms,
    private readonly rooms: RoomsService,
    private readonly messages: MessagesService,
    private readonly changes: MessageChangesService,
    private readonly presence: PresenceService,
    private readonly metrics: ChatMetrics,
    private readonly limits: UserRateLimits,
    private readonly slowReaders: SlowReaders,
    private readonly answers: SocketAnswers,
    private readonly revokedLogins: RevokedLogins,
    private readonly httpAdapterHost: HttpAdapterHost,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('chat-gateway');
    this.refusals = new FixedWindowRateLimiter(
      config.extra.SEND_REFUSALS_BEFORE_DISCONNECT,
      FLOOD_WINDOW_MS,
    );
    this.unknownEvents = new FixedWindowRateLimiter(
      config.extra.SEND_REFUSALS_BEFORE_DISCONNECT * UNKNOWN_EVENTS_PER_REFUSAL,
      FLOOD_WINDOW_MS,
    );
  }

  afterInit(server: ChatServer): void {
    this.live.attach(server);
    this.slowReaders.attach(server);
    server.use(authenticateSockets(this.bearer, this.logger.logger));
    server.use((socket, next) => next(this.handshakeRefusal(socket)));
    server.use((socket, next) => {
      if (this.draining) {
        // Closed, not refused: a refused client would not try again by itself, a closed
        // one reconnects, through the edge to another instance.
        socket.conn.close();
        next(new Error(SHUTTING_DOWN));
        return;
      }
      this.answers.tracked(this.admit(socket)).then(
        (refusal) => next(refusal === undefined ? undefined : new Error(refusal)),
        (error: unknown) => {
          this.logger.error({ err: error }, 'could not admit a socket');
          next(new Error('internal'));
        },
      );
    });
  }

  /**
   * The first step of a shutdown, before presence and the outbox relay are torn down and
   * before the servers close (Nest's order: onModuleDestroy, beforeApplicationShutdown,
   * then the servers). The instance stops listening, so the edge sends new connections to
   * another one, and admits no socket whose handshake was under way; it answers what its
   * sockets send meanwhile, and waits until nothing is in flight (up to half of
   * SHUTDOWN_TIMEOUT_MS), so each acknowledgement goes out before the sockets close. A
   * socket admitted after presence let go of this instance's sockets would have been
   * counted online on an instance that is gone, and a send stored while its socket closed
   * would have had no acknowledgement.
   */
  async onModuleDestroy(): Promise<void> {
    this.draining = true;
    this.httpAdapterHost.httpAdapter?.getHttpServer()?.close();
    await this.answers.drain();
  }

  /**
   * Socket.IO applies membership changes (`socketsJoin`, `socketsLeave`) to connected
   * sockets only, so one applied while this socket was being admitted, after joinRooms
   * read its rooms, missed it: a member removed meanwhile would go on hearing the room.
   * Now that it is connected its rooms are read again, and what changed since is put
   * right; any change after this reaches it as it comes.
   */
  async handleConnection(socket: Socket): Promise<void> {
    const admitted = this.admittedRooms.get(socket);
    this.admittedRooms.delete(socket);
    if (admitted === undefined) return;
    const user = userOf(socket);
    try {
      const now = (await this.rooms.roomIdsOf(user.userId)).map(chatRoom);
      const left = admitted.filter((room) => !now.includes(room));
      const added = now.filter((room) => !admitted.includes(room));
      for (const room of left) await socket.leave(room);
      if (added.length > 0) await socket.join(added);
      if (!socket.recovered) this.live.seedRecoveryOffset(socket.id, user.userId);
    } catch (error) {
      // Its rooms cannot be told now: it reconnects rather than hear what it may not.
      this.logger.warn({ err: error, socket: socket.id }, "could not check a new socket's rooms");
      socket.disconnect(true);
    }
  }

  handleDisconnect(socket: Socket): void {
    const { user } = socket.data as ChatSocketData;
    if (user === undefined) return; // refused at the handshake
    this.presence
      .disconnected(socket.id, user.userId)
      .catch((error: unknown) =>
        this.logger.warn({ err: error, socket: socket.id }, 'could not record a disconnect'),
      );
  }

  /**
   * Why a verified handshake is refused before its admission (a dozen statements and two
   * presence broadcasts), if it is: its user connected too often of late, as a script
   * connecting in a loop does. `connect_error` `rate_limited`, as the other refusals name
   * their code; its data is the acknowledgements' error, saying when to try again.
   */
  private handshakeRefusal(socket: Socket): ExtendedError | undefined {
    const user = userOf(socket);
    const decision = this.limits.take('handshake', user.userId);
    if (decision.allowed) return undefined;
    const refusal: ExtendedError = new Error(RATE_LIMITED);
    refusal.data = {
      code: RATE_LIMITED,
      message: `Too many connections; try again in ${decision.retryAfterSeconds} s`,
      retryAfterSeconds: decision.retryAfterSeconds,
    } satisfies SocketAckError;
    return refusal;
  }

  /**
   * Counts the socket against its user's cap (and presence), then puts it in its rooms;
   * returns why it is refused, if it is.
   */
  private async admit(socket: Socket): Promise<string | undefined> {
    const user = userOf(socket);
    if (!(await this.presence.connected(socket.id, user.userId))) return TOO_MANY_CONNECTIONS;
    // From here on, a socket that does not connect never hears `disconnect`: whatever
    // refuses or fails it undoes its presence first.
    let refusal: string | undefined;
    try {
      await this.joinRooms(socket);
      // A login revoked while it was being admitted: the disconnect that followed found
      // no connected socket of it to close (the handshake's own check came before).
      if (await this.revokedLogins.isRevoked(user.familyId)) refusal = UNAUTHORIZED;
    } catch (error) {
      await this.presence.disconnected(socket.id, user.userId);
      throw error;
    }
    // A client that left while it was being admitted: Socket.IO drops its socket without
    // a disconnect event. Checked in the turn that answers the middleware, so the client
    // cannot leave in between.
    refusal ??= socket.conn.readyState === 'open' ? undefined : CLIENT_GONE;
    if (refusal !== undefined) {
      await this.presence.disconnected(socket.id, user.userId);
      return refusal;
    }
    socket.use(this.limitEvents(socket, user.userId));
    closeAtExpiry(socket, user);
    return undefined;
  }

  /**
   * The rate limits, taken as an event arrives and before Nest, validation or the
   * socket's queue see it: a flood is refused at the cost of a counter, so it slows
   * nobody else down. Every event, valid or not, takes a token of its user's budget, the
   * one REST takes from too (`UserRateLimits`). A socket that keeps sending once refused
   * (SEND_REFUSALS_BEFORE_DISCONNECT in 10 s) is disconnected, its last refusal saying
   * why: a flood then costs nothing at all. An event API.md does not name is acked
   * `bad_request` and takes no budget, and a few never close the connection (API.md: a
   * bad event never does); but answering each costs the instance a packet, so a socket
   * that sends ten times SEND_REFUSALS_BEFORE_DISCONNECT of them in 10 s is flooding too
   * (a probe's 100,000 a second held up other users' events for seconds).
   */
  private limitEvents(socket: Socket, userId: string) {
    return ([event, ...args]: unknown[], next: (error?: Error) => void): void => {
      if (!socket.connected) return; // packets that were on their way when it was closed
      if (this.flooded.has(socket)) {
        ackFailure(args, flooded());
        return;
      }
      const unknown = unknownEventRefusal(event);
      const refusal = unknown ?? this.budgetRefusal(event, userId);
      if (refusal === undefined) return next();
      const counter = unknown === undefined ? this.refusals : this.unknownEvents;
      const flooding = !counter.take(socket.id).allowed;
      ackFailure(args, flooding ? flooded() : refusal);
      if (flooding) {
        this.metrics.floodDisconnects.inc();
        this.logger.warn({ socket: socket.id, userId }, 'disconnected a socket that kept flooding');
        this.closeWhenAnswered(socket);
      }
    };
  }

  /** Why `event` is refused before it runs, if it is: past its user's budget. */
  private budgetRefusal(event: unknown, userId: string): SocketError | undefined {
    const action = budgetOf(event);
    if (action === undefined) return undefined;
    const decision = this.limits.take(action, userId);
    return decision.allowed
      ? undefined
      : new SocketError(
          'rate_limited',
          tooManyRequests(decision.retryAfterSeconds),
          decision.retryAfterSeconds,
        );
  }

  /**
   * Closes a flooding socket once the sends (and v1.1 changes) it had in flight are
   * answered: each may be stored already, and a client that got no acknowledgement could
   * only tell by sending it again. Every event meanwhile is refused as the flood's last
   * one was. A store that does not answer within SEND_ANSWERS_WAIT_MS does not keep the
   * socket open longer.
   */
  private closeWhenAnswered(socket: Socket): void {
    this.flooded.add(socket);
    const deadline = Date.now() + SEND_ANSWERS_WAIT_MS;
    // Socket.IO hands a let-through event to its handler on the next tick, so the sends
    // in flight are looked at after those (setImmediate), and again after they settle,
    // and the acknowledgements go out as each settles, before the close.
    const closeOnceAnswered = (): void => {
      const unanswered = this.answers.unansweredOf(socket);
      const left = deadline - Date.now();
      if (unanswered.length === 0 || left <= 0) {
        socket.disconnect(true);
        return;
      }
      const waited = new Promise((resolve) => setTimeout(resolve, left).unref());
      void Promise.race([Promise.allSettled(unanswered), waited]).then(() =>
        setImmediate(closeOnceAnswered),
      );
    };
    setImmediate(closeOnceAnswered);
  }

  /**
   * Before `connect` reaches the client: its user's, its login's and its chat rooms. A
   * recovered socket also leaves a restored chat room its user lost since the recovery
   * checked (`roomsOnRecovery`).
   */
  private async joinRooms(socket: Socket): Promise<void> {
    const user = userOf(socket);
    const restored = socket.recovered ? [...socket.rooms].filter(isChatRoom) : [];
    // The user's room first, as memberships are applied to the sockets in it. Socket.IO
    // applies them only to connected sockets, though: one that changes between the read
    // below and the connection is put right once it is connected (handleConnection).
    await socket.join([userRoom(user.userId), loginRoom(user.familyId)]);
    const roomIds = await this.rooms.roomIdsOf(user.userId);
    const rooms = roomIds.map(chatRoom);
    for (const room of restored) if (!rooms.includes(room)) await socket.leave(room);
    await socket.join(rooms);
    this.admittedRooms.set(socket, rooms);
  }

  @SubscribeMessage('message:send')
  send(
    @ConnectedSocket() socket: Socket,
    @MessageBody() payload: unknown,
  ): Ack<{ message: MessageView }> {
    // (The rate limit was taken before the event got here: limitEvents.)
    // One socket's sends are stored in the order it sent them: each is validated after
    // the one before it was queued for storing (the queue keeps that order), without
    // waiting for it to be stored, so a socket's sends share batches.
    const previous = this.sendQueues.get(socket) ?? Promise.resolve();
    let queued!: () => void;
    this.sendQueues.set(socket, new Promise<void>((resolve) => (queued = resolve)));
    const answered = previous
      .then(() =>
        this.answers.answer(socket, async (user) => {
          let stored: Promise<SendOutcome>;
          try {
            // Checked by hand, with SendMessageEvent's rules and messages: a few µs where
            // class-validator took tens (bench/chat/send-validation.ts).
            const event = parseSendMessage(payload);
            stored = this.messages.send(
              user.userId,
              event.roomId,
              event.clientMsgId,
              event.body,
              event.replyToSeq,
            );
          } finally {
            queued();
          }
          return { message: (await stored).message };
        }),
      )
      .finally(() => queued()); // also when the event was refused before it ran
    return this.answers.inFlight(socket, answered);
  }

  @SubscribeMessage('typing')
  typing(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Ack {
    return this.answers.answer(socket, async (user) => {
      const event = await parsePayload(TypingEvent, payload);
      await this.rooms.requireMember(event.roomId, user.userId);
      this.live.typing(event.roomId, user.userId, event.typing);
      return {};
    });
  }

  @SubscribeMessage('read')
  read(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Ack {
    return this.answers.answer(socket, async (user) => {
      const event = await parsePayload(ReadEvent, payload);
      await this.messages.markRead(user.userId, event.roomId, event.seq);
      return {};
    });
  }

  @SubscribeMessage('sync')
  sync(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Ack<SyncPage> {
    return this.answers.answer(socket, async (user) =>
      this.unlessUnread(socket, await this.syncPage(user, payload)),
    );
  }

  /**
   * `page`, unless earlier answers still wait here for the socket's client: one asking
   * for pages faster than it reads them (never reading, say, with a hundred `sync`s on
   * their way) would have the gateway hold every answer for it. Looked at once the page
   * is read, not as the `sync` arrives: a hundred sent at once all arrive before the first
   * answer is queued.
   */
  private unlessUnread(socket: Socket, page: SyncPage): SyncPage {
    if (queuedBytes(socket) <= SYNC_WAITING_BYTES_MAX) return page;
    this.metrics.syncRefusals.inc();
    throw new SocketError('rate_limited', EARLIER_ANSWERS_WAITING, 1);
  }

  /** The page a `sync` asks for: by `afterSeq` (v1) or by `afterVersion` (v1.1, as `GET …/changes`). */
  private async syncPage(user: VerifiedAccessToken, payload: unknown): Promise<SyncPage> {
    if (isSyncByVersion(payload)) {
      if (Object.hasOwn(payload, 'afterSeq'))
        throw new SocketError('bad_request', 'sync takes afterSeq or afterVersion, not both');
      const event = await parsePayload(SyncByVersionEvent, payload);
      return this.changes.changes(
        user.userId,
        event.roomId,
        event.afterVersion,
        event.limit ?? MESSAGE_CHANGE_LIMITS.changesDefault,
      );
    }
    const event = await parsePayload(SyncEvent, payload);
    return this.messages.page(user.userId, event.roomId, {
      afterSeq: event.afterSeq,
      limit: event.limit ?? CHAT_LIMITS.syncDefault,
    });
  }
}

/**
 * Closes `socket` once its access token is past `exp` and the leeway (and a grace), so a
 * socket that never sends does not go on hearing its rooms on an expired token. The
 * client reconnects by itself, as after a refused event (`closeRecoverably`).
 */
function closeAtExpiry(socket: Socket, user: VerifiedAccessToken): void {
  const refusedFrom = user.expiresAt.getTime() + ACCESS_TOKEN_LEEWAY_SECONDS * 1_000;
  const delay = Math.min(refusedFrom + QUIET_SOCKET_GRACE_MS - Date.now(), LONGEST_TIMER_MS);
  const timer = setTimeout(() => closeRecoverably(socket), Math.max(delay, 0));
  timer.unref();
  socket.once('disconnect', () => clearTimeout(timer));
}
