import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Server, type Socket } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { WriteCoalescer, type CoalescableConnection, type FlushingServer } from './write-coalescer';

/** A stream that records each write it is handed: one entry per would-be system call. */
function recordingConnection() {
  const writes: string[][] = [];
  const connection = new Writable({
    writev(chunks, done) {
      writes.push(chunks.map(({ chunk }) => String(chunk)));
      done();
    },
    write(chunk, _encoding, done) {
      writes.push([String(chunk)]);
      done();
    },
  });
  return { connection, writes };
}

const socketOn = (connection: Writable, name = 'websocket'): CoalescableConnection => ({
  transport: { name, socket: { _socket: connection } },
});

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('WriteCoalescer', () => {
  it('writes the frames a tick sends to one connection in one write, at the end of the tick', async () => {
    const coalescer = new WriteCoalescer();
    const first = recordingConnection();
    const second = recordingConnection();
    for (const frame of ['a', 'b', 'c']) {
      coalescer.hold(socketOn(first.connection));
      coalescer.hold(socketOn(second.connection));
      first.connection.write(frame);
      second.connection.write(frame.toUpperCase());
    }
    expect(first.writes).toEqual([]);

    await nextTick();

    expect(first.writes).toEqual([['a', 'b', 'c']]);
    expect(second.writes).toEqual([['A', 'B', 'C']]);
  });

  it('holds again in a later tick', async () => {
    const coalescer = new WriteCoalescer();
    const { connection, writes } = recordingConnection();
    coalescer.hold(socketOn(connection));
    connection.write('a');
    await nextTick();
    coalescer.hold(socketOn(connection));
    connection.write('b');
    connection.write('c');
    await nextTick();

    expect(writes).toEqual([['a'], ['b', 'c']]);
    expect(connection.writableCorked).toBe(0);
  });

  it('leaves a connection of another transport alone', () => {
    const coalescer = new WriteCoalescer();
    const { connection, writes } = recordingConnection();
    coalescer.hold(socketOn(connection, 'polling'));
    connection.write('a');

    expect(writes).toEqual([['a']]);
  });

  it("sends a Socket.IO server's queued packets in one write to the TCP connection", async () => {
    const http = createServer();
    const server = new Server(http);
    new WriteCoalescer().attach(server.engine as unknown as FlushingServer);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const connected = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
      transports: ['websocket'],
      forceNew: true,
    });
    try {
      const socket = await connected;
      // Every call of these is one system call on the TCP connection.
      const connection = (
        socket.conn as unknown as { transport: { socket: { _socket: Writable } } }
      ).transport.socket._socket as Writable & { _write: unknown; _writev: unknown };
      let writes = 0;
      for (const method of ['_write', '_writev'] as const) {
        const original = connection[method] as (...args: unknown[]) => unknown;
        connection[method] = (...args: unknown[]) => {
          writes += 1;
          return original.apply(connection, args);
        };
      }
      const received: number[] = [];
      const all = new Promise<void>((resolve) =>
        client.on('m', (index: number) => {
          received.push(index);
          if (received.length === 5) resolve();
        }),
      );

      for (let index = 0; index < 5; index++) socket.emit('m', index);
      await all;

      expect(received).toEqual([0, 1, 2, 3, 4]);
      // The first packet goes out at once; the four queued behind it, in one write.
      expect(writes).toBe(2);
    } finally {
      client.disconnect();
      await server.close();
    }
  });
});
