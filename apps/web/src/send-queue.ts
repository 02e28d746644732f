import type {
  ClientToServerEvents,
  MessageView,
  ServerToClientEvents,
} from '@scale-chat/contracts';
import type { Socket } from 'socket.io-client';
import { TabKept } from './tab-kept';
import type { KeyValueStore } from './token-storage';
import { hasFields, isCount, isMessage, readAck, type Ack } from './validate';

/** A message of this user's that the server has not acknowledged yet. */
export interface PendingMessage {
  readonly clientMsgId: string;
  readonly roomId: string;
  readonly body: string;
  /** v1.1: the seq of the message this one replies to. */
  readonly replyToSeq?: number;
  /**
   * `sending`: on its way, or waiting for the connection; `failed`: not sent, with a retry
   * button. `failedBy` says why: `offline` (disconnected for a while: sent again by itself
   * on reconnection) or `refused` (the server said no, or every automatic try failed).
   * `sent`: stored, but its room's messages are not loaded yet (they failed to load):
   * it stays in view until they are.
   */
  readonly state: 'sending' | 'failed' | 'sent';
  readonly failedBy?: 'offline' | 'refused';
  readonly attempts: number;
  /** When it was queued or last retried by hand (epoch ms). */
  readonly queuedAt: number;
  readonly error?: string;
}

const STATES: ReadonlySet<unknown> = new Set(['sending', 'failed', 'sent']);
const FAILED_BY: ReadonlySet<unknown> = new Set([undefined, 'offline', 'refused']);

function isPendingMessage(value: unknown): value is PendingMessage {
  return (
    hasFields(value, {
      clientMsgId: 'string',
      roomId: 'string',
      body: 'string',
      state: 'string',
      attempts: 'number',
      queuedAt: 'number',
    }) &&
    STATES.has(value['state']) &&
    FAILED_BY.has(value['failedBy']) &&
    (value['replyToSeq'] === undefined || isCount(value['replyToSeq'])) &&
    (value['error'] === undefined || typeof value['error'] === 'string')
  );
}

function isPendingList(value: unknown): value is readonly PendingMessage[] {
  return Array.isArray(value) && value.every(isPendingMessage);
}

/**
 * This tab's pending messages, kept in `storage` (sessionStorage) as they change, so a
 * reload of the page in the middle of sending, or while the connection is down, loses
 * none of them (`resumedSends`).
 */
export function keptSendsIn(
  storage: KeyValueStore | undefined,
): TabKept<readonly PendingMessage[]> {
  return new TabKept(
    storage,
    'scale-chat.pendingSends',
    'messages',
    isPendingList,
    'unsent messages',
  );
}

/** The tab's pending messages (sessionStorage where the page has it). */
export const keptSends = keptSendsIn(
  typeof sessionStorage === 'undefined' ? undefined : sessionStorage,
);

/**
 * What a reloaded page does with the pending messages its tab kept: each goes out again
 * under its clientMsgId (one the server stored before the reload is answered with the
 * original, never stored twice), except those the server refused, which wait for the
 * retry button as they did. Those stored already (`sent`) are in their rooms' pages.
 */
export function resumedSends(kept: readonly PendingMessage[], now = Date.now()): PendingMessage[] {
  return kept
    .filter((message) => message.state !== 'sent')
    .map((message) =>
      message.failedBy === 'refused'
        ? message
        : {
            clientMsgId: message.clientMsgId,
            roomId: message.roomId,
            body: message.body,
            ...(message.replyToSeq === undefined ? {} : { replyToSeq: message.replyToSeq }),
            state: 'sending',
            attempts: 0,
            queuedAt: now,
          },
    );
}

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long an acknowledged event waits for the server's answer. */
export const ACK_TIMEOUT_MS = 5_000;
/** Automatic tries of one message before it shows as failed with a retry button. */
export const MAX_ATTEMPTS = 5;
/** A message waiting this long for a lost connection shows as not sent. */
export const OFFLINE_FAIL_MS = 8_000;
/** Refusals that the same message would meet again: no automatic retry. */
const FINAL_REFUSALS: ReadonlySet<string> = new Set([
  'bad_request',
  'forbidden',
  'not_found',
  'payload_too_large',
]);

/** How long a `rate_limited` refusal asks to wait (ms), at least a second; undefined when it does not say. */
export const rateLimitWaitMs = (retryAfterSeconds: number | undefined): number | undefined =>
  retryAfterSeconds === undefined ? undefined : Math.max(1, retryAfterSeconds) * 1_000;

/** What the queue needs of the store that holds its messages in view. */
export interface SendQueueHost {
  /** The pending messages as shown now, oldest first. */
  pending(): readonly PendingMessage[];
  setPending(pending: readonly PendingMessage[]): void;
  /** The chat's socket, when there is one. */
  socket(): ChatSocket | null;
  /** The server stored one of the queue's messages and answered with it. */
  stored(message: MessageView): void;
}

/**
 * This user's sends, in the order written: one at a time while connected, each under its
 * own `clientMsgId`, repeated as it is on every try, so a retry can never store a message
 * twice. A try that fails for a passing reason is made again later (backing off), and the
 * queue waits for it: a later message never overtakes an earlier one, and one written
 * meanwhile waits behind it rather than sending it again early. Refused as too frequent
 * (`rate_limited`), a message waits as long as the server asks, and is tried again until
 * it goes: such refusals never fail it after MAX_ATTEMPTS.
 */
export class SendQueue {
  private sending = false;
  /** Set while the queue waits out a back-off: nothing is sent until it fires. */
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The back-off is the server's (`rate_limited`): a reconnection does not end it. */
  private heldByServer = false;
  private offlineCheck: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  /**
   * Each message's failed tries other than "too frequent": these alone fail it at
   * MAX_ATTEMPTS (its `attempts` counts every try, for the "Retrying (n)" it shows).
   */
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly host: SendQueueHost,
    private readonly newClientMsgId: () => string = () => crypto.randomUUID(),
  ) {}

  /** Queues `body` for `roomId` and sends it as soon as it may go. */
  add(roomId: string, body: string, replyToSeq?: number): void {
    this.host.setPending([
      ...this.host.pending(),
      {
        clientMsgId: this.newClientMsgId(),
        roomId,
        body,
        ...(replyToSeq === undefined ? {} : { replyToSeq }),
        state: 'sending',
        attempts: 0,
        queuedAt: Date.now(),
      },
    ]);
    this.kick();
  }

  /** The retry button of a failed message: the same clientMsgId again. */
  retry(clientMsgId: string): void {
    this.failures.delete(clientMsgId);
    this.update(clientMsgId, {
      state: 'sending',
      failedBy: undefined,
      attempts: 0,
      queuedAt: Date.now(),
    });
    this.kick();
  }

  /**
   * Connected (again): what failed for want of a connection goes out again, under its
   * clientMsgId. `kick` sends it, once the caller has caught up.
   */
  connected(): void {
    clearInterval(this.offlineCheck);
    this.offlineCheck = undefined;
    // A back-off for a lost connection is over once it is back; the server's is not.
    if (!this.heldByServer) this.endBackOff();
    this.host.setPending(
      this.host
        .pending()
        .map((message) =>
          message.failedBy === 'offline'
            ? { ...message, state: 'sending', failedBy: undefined, attempts: 0 }
            : message,
        ),
    );
  }

  /** While disconnected: messages waiting longer than OFFLINE_FAIL_MS show as not sent. */
  disconnected(): void {
    if (this.stopped) return;
    this.offlineCheck ??= setInterval(() => this.failWhatWaitedTooLong(), 1_000);
  }

  /**
   * The server stored one of this user's messages (an answer, a broadcast, a page). In a
   * room whose messages are loaded it is shown there now; otherwise it stays in view as
   * sent until they are (`placed`).
   */
  settle(clientMsgId: string, roomLoaded: boolean): void {
    if (!this.host.pending().some((message) => message.clientMsgId === clientMsgId)) return;
    if (roomLoaded) this.remove((message) => message.clientMsgId === clientMsgId);
    else this.update(clientMsgId, { state: 'sent', error: undefined });
  }

  /** A room's messages were loaded with these: what was sent there is in its place now. */
  placed(clientMsgIds: ReadonlySet<string>): void {
    this.remove((message) => message.state === 'sent' && clientMsgIds.has(message.clientMsgId));
  }

  /** A room this user is no longer in: nothing more goes there. */
  dropRoom(roomId: string): void {
    this.remove((message) => message.roomId === roomId);
  }

  /**
   * Of `clientMsgIds` (kept across a reload), those for rooms not in `listed`, this
   * user's rooms now: left (or the room deleted) before the reload, they go nowhere.
   */
  dropUnlisted(clientMsgIds: ReadonlySet<string>, listed: ReadonlySet<string>): void {
    this.remove((message) => clientMsgIds.has(message.clientMsgId) && !listed.has(message.roomId));
  }

  /** Sends what waits, unless a send is already under way or the queue backs off. */
  kick(): void {
    if (!this.sending && !this.stopped && this.retryTimer === undefined) void this.drain();
  }

  start(): void {
    this.stopped = false;
  }

  stop(): void {
    this.stopped = true;
    this.endBackOff();
    clearInterval(this.offlineCheck);
    this.offlineCheck = undefined;
  }

  private endBackOff(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.heldByServer = false;
  }

  /** Sends the pending messages in order, one at a time, while connected. */
  private async drain(): Promise<void> {
    this.sending = true;
    try {
      for (;;) {
        const socket = this.host.socket();
        const next = this.host.pending().find((message) => message.state === 'sending');
        if (this.stopped || socket === null || !socket.connected || next === undefined) return;
        const attempts = next.attempts + 1;
        this.update(next.clientMsgId, { attempts });
        const outcome = await socket
          .timeout(ACK_TIMEOUT_MS)
          .emitWithAck('message:send', {
            roomId: next.roomId,
            clientMsgId: next.clientMsgId,
            body: next.body,
            ...(next.replyToSeq === undefined ? {} : { replyToSeq: next.replyToSeq }),
          })
          .then(readAck, (): Ack => ({
            ok: false,
            code: 'timeout',
            message: "the server didn't answer in time",
          }));
        if (outcome.ok) {
          this.failures.delete(next.clientMsgId);
          const stored = outcome.body['message'];
          if (isMessage(stored)) this.host.stored(stored);
          else this.remove((message) => message.clientMsgId === next.clientMsgId);
          continue;
        }
        // Too frequent: the server did nothing and said when to try again, however often.
        const limited = outcome.code === 'rate_limited';
        const failures = (this.failures.get(next.clientMsgId) ?? 0) + (limited ? 0 : 1);
        this.failures.set(next.clientMsgId, failures);
        if (FINAL_REFUSALS.has(outcome.code) || failures >= MAX_ATTEMPTS) {
          this.failures.delete(next.clientMsgId);
          this.update(next.clientMsgId, {
            state: 'failed',
            failedBy: 'refused',
            error: outcome.message,
          });
          continue;
        }
        this.update(next.clientMsgId, { error: outcome.message });
        // Back off (too frequent: as long as the server asks), then the queue starts again
        // with this message (order is kept).
        this.endBackOff();
        this.heldByServer = limited;
        const backOff = 500 * 2 ** Math.min(failures, MAX_ATTEMPTS);
        this.retryTimer = setTimeout(
          () => {
            this.retryTimer = undefined;
            this.heldByServer = false;
            this.kick();
          },
          (limited ? rateLimitWaitMs(outcome.retryAfterSeconds) : undefined) ?? backOff,
        );
        return;
      }
    } finally {
      this.sending = false;
    }
  }

  private failWhatWaitedTooLong(): void {
    if (this.host.socket()?.connected === true) return;
    const now = Date.now();
    const tooLong = (message: PendingMessage) =>
      message.state === 'sending' && now - message.queuedAt >= OFFLINE_FAIL_MS;
    if (!this.host.pending().some(tooLong)) return;
    this.host.setPending(
      this.host
        .pending()
        .map((message) =>
          tooLong(message)
            ? { ...message, state: 'failed', failedBy: 'offline', error: 'no connection' }
            : message,
        ),
    );
  }

  private update(clientMsgId: string, patch: Partial<PendingMessage>): void {
    this.host.setPending(
      this.host
        .pending()
        .map((message) =>
          message.clientMsgId === clientMsgId ? { ...message, ...patch } : message,
        ),
    );
  }

  private remove(which: (message: PendingMessage) => boolean): void {
    const pending = this.host.pending();
    if (pending.some(which)) this.host.setPending(pending.filter((message) => !which(message)));
  }
}
