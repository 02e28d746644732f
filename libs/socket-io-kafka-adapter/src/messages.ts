import { decode, encode } from 'notepack.io';

/** What instances say to each other on the cluster topic. */
export enum MessageType {
  InitialHeartbeat = 1,
  Heartbeat = 2,
  Close = 3,
  Broadcast = 4,
  SocketsJoin = 5,
  SocketsLeave = 6,
  DisconnectSockets = 7,
  FetchSockets = 8,
  ServerSideEmit = 9,
  Session = 10,
  Response = 11,
  SessionEnd = 12,
  SessionTaken = 13,
}

export enum ResponseType {
  BroadcastClientCount = 1,
  BroadcastAck = 2,
  FetchSockets = 3,
  ServerSideEmit = 4,
}

/** `BroadcastOptions` with its sets as arrays, as they travel. */
export interface EncodedOptions {
  rooms: string[];
  except: string[];
  flags?: Record<string, unknown>;
}

/** A Socket.IO packet as the adapter sees it. */
export interface Packet {
  type: number;
  nsp: string;
  data?: unknown[];
  id?: number;
  [key: string]: unknown;
}

export interface SocketDetails {
  id: string;
  handshake: Record<string, unknown>;
  rooms: string[];
  data: unknown;
}

export interface PersistedSession {
  sid: string;
  pid: string;
  rooms: string[];
  data: unknown;
  /**
   * A dropped socket's only: the offset of the last record its instance had read when the
   * socket dropped. Every broadcast up to it that was meant for the socket reached it.
   */
  position?: number;
}

interface Envelope {
  /** The sending instance. */
  uid: string;
  /** Per-sender sequence number: a record seen twice (a retried publish) is dropped. */
  seq: number;
}

export type ClusterMessage = Envelope &
  (
    | { type: MessageType.InitialHeartbeat | MessageType.Close }
    | {
        type: MessageType.Heartbeat;
        /**
         * Written by an instance that has not read its own heartbeat within the heartbeat
         * timeout: it cannot hear or answer anyone, so the others do not count it alive;
         * it reads this one back to learn that it hears again.
         */
        deaf?: boolean;
      }
    | {
        type: MessageType.Broadcast;
        nsp: string;
        packet: Packet;
        opts: EncodedOptions;
        requestId?: string;
      }
    | {
        type: MessageType.SocketsJoin | MessageType.SocketsLeave;
        nsp: string;
        opts: EncodedOptions;
        rooms: string[];
      }
    | { type: MessageType.DisconnectSockets; nsp: string; opts: EncodedOptions; close: boolean }
    | { type: MessageType.FetchSockets; nsp: string; opts: EncodedOptions; requestId: string }
    | { type: MessageType.ServerSideEmit; nsp: string; args: unknown[]; requestId?: string }
    | { type: MessageType.Session; nsp: string; session: PersistedSession; live: boolean }
    | { type: MessageType.SessionEnd; nsp: string; pid: string }
    | { type: MessageType.SessionTaken; nsp: string; pid: string; sid: string }
    | ({
        type: MessageType.Response;
        nsp: string;
        requester: string;
        requestId: string;
      } & ResponseBody)
  );

export type ResponseBody =
  | { response: ResponseType.BroadcastClientCount; count: number }
  | { response: ResponseType.BroadcastAck; value: unknown }
  | { response: ResponseType.FetchSockets; sockets: SocketDetails[] }
  | { response: ResponseType.ServerSideEmit; value: unknown };

/** Distributes `Omit` over a union, so each member keeps its own fields. */
export type Unsent<T> = T extends unknown ? Omit<T, 'uid' | 'seq'> : never;

export class MalformedMessageError extends Error {
  constructor(reason: string) {
    super(`malformed cluster message: ${reason}`);
    this.name = 'MalformedMessageError';
  }
}

/** Throws when `message` holds what msgpack cannot carry (a BigInt, a Symbol, a cycle). */
export function encodeMessage(message: ClusterMessage): Buffer {
  return encode(message);
}

/** Whether `value` can travel in a record. */
export function isEncodable(value: unknown): boolean {
  try {
    encode(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Event names a server-side emit may not carry, emitted as it is on the namespace: those
 * Socket.IO reserves (a namespace's `serverSideEmit` refuses `connect`, `connection` and
 * `new_namespace`; a socket reserves the next five) and EventEmitter's `error`. One would
 * fake a connection or a listener change, or throw (`error` without a listener).
 */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  'connect',
  'connection',
  'new_namespace',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
  'error',
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown, max = 1_024): value is string =>
  typeof value === 'string' && value.length <= max;
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => isString(item));

function check(condition: boolean, reason: string): asserts condition {
  if (!condition) throw new MalformedMessageError(reason);
}

/** What `RemoteSocket` is built from on the requesting instance; it throws on anything else. */
function isSocketDetails(value: unknown): value is SocketDetails {
  return (
    isObject(value) &&
    isString(value['id']) &&
    value['id'] !== '' &&
    isObject(value['handshake']) &&
    isStringArray(value['rooms'])
  );
}

function checkOptions(opts: unknown): void {
  check(isObject(opts), 'opts is not an object');
  check(
    isStringArray(opts['rooms']) && isStringArray(opts['except']),
    'opts.rooms/except are not string arrays',
  );
  check(opts['flags'] === undefined || isObject(opts['flags']), 'opts.flags is not an object');
}

/**
 * Decodes and checks one record. Anything that is not a well-formed message of a known
 * type throws `MalformedMessageError`; the caller skips it and counts it.
 */
export function decodeMessage(buffer: Buffer): ClusterMessage {
  let message: unknown;
  try {
    message = decode(buffer);
  } catch (error) {
    throw new MalformedMessageError(error instanceof Error ? error.message : 'undecodable');
  }
  check(isObject(message), 'not an object');
  check(isString(message['uid'], 64) && message['uid'] !== '', 'uid');
  check(Number.isSafeInteger(message['seq']), 'seq');
  const type = message['type'];
  switch (type) {
    case MessageType.InitialHeartbeat:
    case MessageType.Close:
      break;
    case MessageType.Heartbeat:
      check(message['deaf'] === undefined || typeof message['deaf'] === 'boolean', 'deaf');
      break;
    case MessageType.Broadcast: {
      const packet = message['packet'];
      check(isObject(packet) && typeof packet['type'] === 'number', 'packet');
      check(packet['data'] === undefined || Array.isArray(packet['data']), 'packet.data');
      checkOptions(message['opts']);
      check(message['requestId'] === undefined || isString(message['requestId'], 64), 'requestId');
      break;
    }
    case MessageType.SocketsJoin:
    case MessageType.SocketsLeave:
      checkOptions(message['opts']);
      check(isStringArray(message['rooms']), 'rooms');
      break;
    case MessageType.DisconnectSockets:
      checkOptions(message['opts']);
      check(typeof message['close'] === 'boolean', 'close');
      break;
    case MessageType.FetchSockets:
      checkOptions(message['opts']);
      check(isString(message['requestId'], 64), 'requestId');
      break;
    case MessageType.ServerSideEmit: {
      const args = message['args'];
      check(Array.isArray(args), 'args');
      check(typeof args[0] === 'string' && !RESERVED_EVENTS.has(args[0]), 'args[0]: event name');
      check(message['requestId'] === undefined || isString(message['requestId'], 64), 'requestId');
      break;
    }
    case MessageType.Session: {
      const session = message['session'];
      check(isObject(session), 'session');
      check(
        isString(session['sid']) && isString(session['pid']) && isStringArray(session['rooms']),
        'session fields',
      );
      check(
        session['position'] === undefined || Number.isSafeInteger(session['position']),
        'session position',
      );
      check(typeof message['live'] === 'boolean', 'live');
      break;
    }
    case MessageType.SessionEnd:
      check(isString(message['pid']), 'pid');
      break;
    case MessageType.SessionTaken:
      check(isString(message['pid']) && isString(message['sid']), 'pid/sid');
      break;
    case MessageType.Response:
      check(
        isString(message['requester'], 64) && isString(message['requestId'], 64),
        'requester/requestId',
      );
      switch (message['response']) {
        case ResponseType.BroadcastClientCount:
          check(
            Number.isSafeInteger(message['count']) && (message['count'] as number) >= 0,
            'count',
          );
          break;
        case ResponseType.FetchSockets:
          check(
            Array.isArray(message['sockets']) && message['sockets'].every(isSocketDetails),
            'sockets',
          );
          break;
        case ResponseType.BroadcastAck:
        case ResponseType.ServerSideEmit:
          break;
        default:
          throw new MalformedMessageError(`unknown response type ${String(message['response'])}`);
      }
      break;
    default:
      throw new MalformedMessageError(`unknown type ${String(type)}`);
  }
  if (
    type !== MessageType.InitialHeartbeat &&
    type !== MessageType.Heartbeat &&
    type !== MessageType.Close
  ) {
    check(isString(message['nsp']), 'nsp');
  }
  return message as unknown as ClusterMessage;
}
