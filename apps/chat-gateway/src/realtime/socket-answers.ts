import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { hasExpired, type VerifiedAccessToken } from '@scale-chat/access-tokens';
import type { SocketAck } from '@scale-chat/contracts';
import { RevokedLogins, SERVICE_CONFIG, withCorrelationId } from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import type { Socket } from 'socket.io';
import type { ChatConfig } from '../chat-config';
import { userOf } from './socket-authentication';
import { failedAck, SocketError } from './socket-payloads';

export type Ack<T extends object = object> = Promise<SocketAck<T>>;

/**
 * How every event of the chat server is run and acknowledged (both gateways answer
 * through here), and the work in flight that a shutdown and a flood's close wait for:
 * - `answer` runs an event for the socket's user: an expired token or a revoked login
 *   ends its right to act, each event gets a correlation id of its own, and a failure is
 *   an error ack, never a thrown error;
 * - `inFlight` and `answerStoring` keep an event that may store something among the
 *   socket's unanswered ones (`unansweredOf`), so a socket closed for flooding hears
 *   every acknowledgement first;
 * - `tracked` keeps admissions and events among the instance's work, which `drain` waits
 *   for.
 */
@Injectable()
export class SocketAnswers {
  /** The admissions and events in flight on this instance, which a shutdown waits for. */
  private readonly working = new Set<Promise<unknown>>();
  /** Each socket's events that may store something and are not answered yet. */
  private readonly unanswered = new WeakMap<Socket, Set<Promise<unknown>>>();
  /** When each socket's login was last found not revoked (epoch ms). */
  private readonly loginCheckedAt = new WeakMap<Socket, number>();
  private readonly loginRecheckMs: number;
  /** How long a shutdown waits for the work: half of SHUTDOWN_TIMEOUT_MS, the rest for what follows. */
  private readonly drainWaitMs: number;

  constructor(
    @Inject(SERVICE_CONFIG) config: ChatConfig,
    private readonly revokedLogins: RevokedLogins,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('chat-gateway');
    this.loginRecheckMs = config.extra.LOGIN_RECHECK_MS;
    this.drainWaitMs = config.shutdownTimeoutMs / 2;
  }

  /**
   * Runs an event for the socket's user and turns the outcome into an acknowledgement.
   * An access token that expired since the handshake (past the same leeway as REST) ends
   * the socket's right to act: `unauthorized`, and its connection is closed the way a
   * network drop closes it, so Socket.IO reconnects by itself; with a fresh token the
   * client's session is recovered with what it missed, with the old one the handshake
   * refuses it. A login revoked since (looked up again every LOGIN_RECHECK_MS) is over:
   * the socket is disconnected for good, its session with it.
   */
  async answer<T extends object>(
    socket: Socket,
    run: (user: VerifiedAccessToken) => Promise<T>,
  ): Ack<T> {
    const user = userOf(socket);
    if (hasExpired(user)) {
      setImmediate(() => closeRecoverably(socket));
      return failedAck(new SocketError('unauthorized', 'The access token has expired'));
    }
    // Each event is its own unit of work: its log lines and the events it stores (and so
    // the fan-out of a message on every instance) carry one new correlation id. A shutdown
    // waits for it (`working`).
    const answered = withCorrelationId(randomUUID(), async () => {
      try {
        if (await this.loginRevokedSince(socket, user)) {
          setImmediate(() => socket.disconnect(true));
          return failedAck(new SocketError('unauthorized', 'This login has ended'));
        }
        return { ok: true as const, ...(await run(user)) };
      } catch (error) {
        const ack = failedAck(error);
        if (ack.error.code === 'internal') {
          this.logger.error({ err: error, socket: socket.id }, 'a socket event failed');
        }
        return ack;
      }
    });
    return this.tracked(answered);
  }

  /**
   * `answer` for an event that may store something (API.md v1.1's edits, deletions and
   * reactions; a send queues its own and uses `inFlight`): a socket closed for flooding is
   * closed only once it is answered.
   */
  answerStoring<T extends object>(
    socket: Socket,
    run: (user: VerifiedAccessToken) => Promise<T>,
  ): Ack<T> {
    return this.inFlight(socket, this.answer(socket, run));
  }

  /** Keeps `answer` among the socket's unanswered events until it settles. */
  inFlight<T>(socket: Socket, answer: Promise<T>): Promise<T> {
    let pending = this.unanswered.get(socket);
    if (pending === undefined) this.unanswered.set(socket, (pending = new Set()));
    const held = pending;
    held.add(answer);
    const release = () => held.delete(answer);
    answer.then(release, release);
    return this.tracked(answer);
  }

  /** The socket's events that may store something and are not answered yet. */
  unansweredOf(socket: Socket): Promise<unknown>[] {
    return [...(this.unanswered.get(socket) ?? [])];
  }

  /** Keeps `work` among this instance's work in flight until it settles. */
  tracked<T>(work: Promise<T>): Promise<T> {
    this.working.add(work);
    const release = () => this.working.delete(work);
    work.then(release, release);
    return work;
  }

  /** Waits until nothing is in flight, or half of SHUTDOWN_TIMEOUT_MS. */
  async drain(): Promise<void> {
    const deadline = Date.now() + this.drainWaitMs;
    // Events let through meanwhile reach their handlers a tick later (Socket.IO hands them
    // on with process.nextTick): looked for again after each wait.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.working.size > 0 && Date.now() < deadline) {
      const waited = new Promise((resolve) => setTimeout(resolve, deadline - Date.now()).unref());
      await Promise.race([Promise.allSettled([...this.working]), waited]);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Whether the socket's login was revoked since it was last found not to be (at the
   * handshake, at first); looked up at most every LOGIN_RECHECK_MS per socket.
   */
  private async loginRevokedSince(socket: Socket, user: VerifiedAccessToken): Promise<boolean> {
    const now = Date.now();
    const checkedAt = this.loginCheckedAt.get(socket) ?? socket.handshake.issued;
    if (now - checkedAt < this.loginRecheckMs) return false;
    if (await this.revokedLogins.isRevoked(user.familyId)) return true;
    this.loginCheckedAt.set(socket, now);
    return false;
  }
}

/**
 * Closes the socket's connection, not the socket: the client sees "transport close" and
 * reconnects by itself (after "io server disconnect" it would not), and the session is
 * kept for connection-state recovery, so a client that hands a fresh token to the next
 * handshake misses nothing. Whatever was queued (the refusal's ack) is sent first.
 */
export function closeRecoverably(socket: Socket): void {
  socket.conn.close();
}
