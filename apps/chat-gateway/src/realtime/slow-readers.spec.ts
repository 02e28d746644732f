import type { PinoLogger } from 'nestjs-pino';
import type { ChatConfig } from '../chat-config';
import type { ChatMetrics } from './chat-metrics';
import type { ChatServer } from './live-rooms';
import { SlowReaders } from './slow-readers';

/**
 * An engine.io connection as the sweep sees it, with `queued` packets waiting, each of
 * `packetBytes` characters, and `buffered` bytes taken by its WebSocket and not yet sent.
 */
function connection(
  queued: number,
  transport = 'websocket',
  upgrading = false,
  { packetBytes = 10, buffered = 0 } = {},
) {
  const state = { closed: 0, terminated: 0 };
  const conn = {
    writeBuffer: Array.from({ length: queued }, () => ({ data: 'x'.repeat(packetBytes) })),
    readyState: 'open',
    upgrading,
    transport: {
      name: transport,
      socket: { bufferedAmount: buffered, terminate: () => (state.terminated += 1) },
    },
    close() {
      state.closed += 1;
      this.readyState = 'closed';
    },
  };
  return { conn, state };
}

function sweeperOf(conns: readonly { conn: object }[]) {
  let counted = 0;
  const readers = new SlowReaders(
    {
      extra: { SOCKET_MAX_QUEUED_PACKETS: 10, SOCKET_MAX_QUEUED_BYTES: 1_000 },
    } as unknown as ChatConfig,
    { slowReaderDisconnects: { inc: () => (counted += 1) } } as unknown as ChatMetrics,
    { setContext: () => undefined, warn: () => undefined } as unknown as PinoLogger,
  );
  const sockets = new Map(
    conns.map(({ conn }, index) => [String(index), { id: index, conn, data: {} }]),
  );
  const server = { of: () => ({ sockets }) } as unknown as ChatServer;
  return { sweep: (now: number) => readers.sweep(server, now), counted: () => counted };
}

describe('SlowReaders', () => {
  it('closes a WebSocket over the limit at every look for 5 s, and ends its TCP connection', () => {
    const slow = connection(11);
    const { sweep, counted } = sweeperOf([slow]);
    sweep(0);
    sweep(4_999);
    expect(slow.state.closed).toBe(0);
    sweep(5_000);
    expect(slow.state).toEqual({ closed: 1, terminated: 1 });
    expect(counted()).toBe(1);
  });

  it('starts counting again once a socket was within the limit at a look', () => {
    const catchingUp = connection(11);
    const { sweep } = sweeperOf([catchingUp]);
    sweep(0);
    const [packet] = catchingUp.conn.writeBuffer.splice(0, 1);
    sweep(3_000);
    if (packet !== undefined) catchingUp.conn.writeBuffer.push(packet);
    sweep(6_000);
    sweep(10_999);
    expect(catchingUp.state.closed).toBe(0);
    sweep(11_000);
    expect(catchingUp.state.closed).toBe(1);
  });

  it('closes one whose few packets hold more bytes than allowed, counting what its WebSocket holds', () => {
    const large = connection(2, 'websocket', false, { packetBytes: 501 });
    const withBuffered = connection(1, 'websocket', false, { packetBytes: 1, buffered: 1_000 });
    const within = connection(2, 'websocket', false, { packetBytes: 400, buffered: 200 });
    const { sweep, counted } = sweeperOf([large, withBuffered, within]);
    sweep(0);
    sweep(5_000);
    expect([large.state.closed, withBuffered.state.closed, within.state.closed]).toEqual([1, 1, 0]);
    expect(counted()).toBe(2);
  });

  it('gives long-polling ten times the limit, and leaves a connection being upgraded to the heartbeat', () => {
    const polling = connection(100, 'polling');
    const pollingStopped = connection(101, 'polling');
    const upgrading = connection(1_000, 'websocket', true);
    const { sweep, counted } = sweeperOf([polling, pollingStopped, upgrading]);
    for (const now of [0, 5_000, 60_000]) sweep(now);
    expect([polling.state.closed, pollingStopped.state.closed, upgrading.state.closed]).toEqual([
      0, 1, 0,
    ]);
    expect(counted()).toBe(1);
  });
});
