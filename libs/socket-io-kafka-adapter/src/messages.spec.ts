import { encode } from 'notepack.io';
import {
  decodeMessage,
  encodeMessage,
  MalformedMessageError,
  MessageType,
  ResponseType,
  type ClusterMessage,
} from './messages';

const opts = { rooms: ['r'], except: [] };
const session = { sid: 's', pid: 'p', rooms: ['s', 'r'], data: { user: 'u' } };

/** One well-formed message of every type the adapter writes. */
const everyType: ClusterMessage[] = [
  { uid: 'a', seq: 0, type: MessageType.InitialHeartbeat },
  { uid: 'a', seq: 1, type: MessageType.Heartbeat },
  { uid: 'a', seq: 1, type: MessageType.Heartbeat, deaf: true },
  { uid: 'a', seq: 2, type: MessageType.Close },
  {
    uid: 'a',
    seq: 3,
    type: MessageType.Broadcast,
    nsp: '/',
    packet: { type: 2, nsp: '/', data: ['e', Buffer.from([1, 2])] },
    opts,
  },
  {
    uid: 'a',
    seq: 4,
    type: MessageType.Broadcast,
    nsp: '/',
    packet: { type: 2, nsp: '/', data: ['e'] },
    opts,
    requestId: 'q',
  },
  { uid: 'a', seq: 5, type: MessageType.SocketsJoin, nsp: '/', opts, rooms: ['x'] },
  { uid: 'a', seq: 6, type: MessageType.SocketsLeave, nsp: '/', opts, rooms: ['x'] },
  { uid: 'a', seq: 7, type: MessageType.DisconnectSockets, nsp: '/', opts, close: true },
  { uid: 'a', seq: 8, type: MessageType.FetchSockets, nsp: '/', opts, requestId: 'q' },
  { uid: 'a', seq: 9, type: MessageType.ServerSideEmit, nsp: '/', args: ['hello', 1] },
  { uid: 'a', seq: 10, type: MessageType.Session, nsp: '/', session, live: true },
  { uid: 'a', seq: 11, type: MessageType.SessionEnd, nsp: '/', pid: 'p' },
  { uid: 'a', seq: 12, type: MessageType.SessionTaken, nsp: '/', pid: 'p', sid: 's' },
  {
    uid: 'a',
    seq: 13,
    type: MessageType.Response,
    nsp: '/',
    requester: 'b',
    requestId: 'q',
    response: ResponseType.BroadcastClientCount,
    count: 2,
  },
  {
    uid: 'a',
    seq: 14,
    type: MessageType.Response,
    nsp: '/',
    requester: 'b',
    requestId: 'q',
    response: ResponseType.BroadcastAck,
    value: 'ok',
  },
  {
    uid: 'a',
    seq: 15,
    type: MessageType.Response,
    nsp: '/',
    requester: 'b',
    requestId: 'q',
    response: ResponseType.FetchSockets,
    sockets: [{ id: 's', handshake: { auth: {} }, rooms: ['s', 'r'], data: { user: 'u' } }],
  },
  {
    uid: 'a',
    seq: 16,
    type: MessageType.Response,
    nsp: '/',
    requester: 'b',
    requestId: 'q',
    response: ResponseType.ServerSideEmit,
    value: 1,
  },
];

describe('the cluster message codec', () => {
  it('covers every message type', () => {
    const types = new Set(everyType.map((message) => message.type));
    const declared = Object.values(MessageType).filter((value) => typeof value === 'number');
    expect([...types].sort()).toEqual(declared.sort());
  });

  it.each(everyType.map((message) => [MessageType[message.type], message]))(
    'round-trips %s',
    (_name, message) => {
      expect(decodeMessage(encodeMessage(message))).toEqual(message);
    },
  );

  it.each<[string, Buffer]>([
    ['bytes that are not msgpack', Buffer.from([0xc1])],
    ['a string', encode('hello')],
    ['no uid', encode({ seq: 1, type: MessageType.Heartbeat })],
    ['an unknown type', encode({ uid: 'a', seq: 1, type: 99 })],
    [
      'a broadcast without a packet',
      encode({ uid: 'a', seq: 1, type: MessageType.Broadcast, nsp: '/', opts }),
    ],
    [
      'rooms that are not strings',
      encode({ uid: 'a', seq: 1, type: MessageType.SocketsJoin, nsp: '/', opts, rooms: [1] }),
    ],
    [
      'a session without live',
      encode({ uid: 'a', seq: 1, type: MessageType.Session, nsp: '/', session }),
    ],
    [
      'a session whose position is not a whole number',
      encode({
        uid: 'a',
        seq: 1,
        type: MessageType.Session,
        nsp: '/',
        session: { ...session, position: '7' },
        live: false,
      }),
    ],
    [
      'a negative client count',
      encode({
        uid: 'a',
        seq: 1,
        type: MessageType.Response,
        nsp: '/',
        requester: 'b',
        requestId: 'q',
        response: ResponseType.BroadcastClientCount,
        count: -1,
      }),
    ],
    ['a missing namespace', encode({ uid: 'a', seq: 1, type: MessageType.SessionEnd, pid: 'p' })],
    ['a heartbeat whose deaf is not a boolean', encode({ uid: 'a', seq: 1, type: 2, deaf: 1 })],
    ...[[], [42], ['connection'], ['disconnect'], ['error'], ['newListener', 'x']].map(
      (args) =>
        [
          `a server-side emit of ${JSON.stringify(args)}`,
          encode({ uid: 'a', seq: 1, type: MessageType.ServerSideEmit, nsp: '/', args }),
        ] as [string, Buffer],
    ),
    ...[
      [null],
      [{ handshake: {}, rooms: [] }],
      [{ id: 's', handshake: 'h', rooms: [] }],
      [{ id: 's', handshake: {}, rooms: 5 }],
      [{ id: 's', handshake: {}, rooms: [1] }],
    ].map(
      (sockets) =>
        [
          `fetchSockets answered with ${JSON.stringify(sockets)}`,
          encode({
            uid: 'a',
            seq: 1,
            type: MessageType.Response,
            nsp: '/',
            requester: 'b',
            requestId: 'q',
            response: ResponseType.FetchSockets,
            sockets,
          }),
        ] as [string, Buffer],
    ),
  ])('rejects %s', (_name, buffer) => {
    expect(() => decodeMessage(buffer)).toThrow(MalformedMessageError);
  });
});
