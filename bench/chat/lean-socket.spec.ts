import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from '@scale-chat/wait';
import { Server, type Socket } from 'socket.io';
import { LeanConnectError, LeanSocket } from './lean-socket';

// The load generator's client against a real Socket.IO server: every part of the protocol
// it speaks, as the server understands it.
describe('LeanSocket', () => {
  let http: HttpServer;
  let io: Server;
  let base: string;
  const serverSockets: Socket[] = [];
  const clients: LeanSocket[] = [];

  beforeEach(async () => {
    http = createServer();
    io = new Server(http, {
      pingInterval: 50,
      pingTimeout: 2_000,
      connectionStateRecovery: { maxDisconnectionDuration: 10_000 },
    });
    io.use((socket, next) => {
      const { token } = socket.handshake.auth as { token?: string };
      next(token === 'good' ? undefined : new Error('unauthorized'));
    });
    io.on('connection', (socket) => {
      serverSockets.push(socket);
      socket.on('echo', (payload: unknown, ack: (answer: unknown) => void) =>
        ack({ ok: true, payload, auth: socket.handshake.auth }),
      );
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    serverSockets.length = 0;
    await io.close();
  });

  const connect = async (auth: Record<string, unknown>) => {
    const client = await LeanSocket.connect(base, auth);
    clients.push(client);
    return client;
  };

  it('connects with its auth and gets each acknowledgement back with its own payload', async () => {
    const client = await connect({ token: 'good', room: 'r1' });
    const answers: unknown[] = [];
    client.emit('echo', { n: 1 }, (answer) => answers.push(answer));
    client.emit('echo', { n: 2 }, (answer) => answers.push(answer));
    await eventually('both acknowledgements', () => answers.length === 2);
    expect(answers).toEqual([
      { ok: true, payload: { n: 1 }, auth: { token: 'good', room: 'r1' } },
      { ok: true, payload: { n: 2 }, auth: { token: 'good', room: 'r1' } },
    ]);
  });

  it('receives broadcasts with their arguments, the recovery offset last', async () => {
    const client = await connect({ token: 'good' });
    const received: unknown[][] = [];
    client.on('message:new', (...args: unknown[]) => received.push(args));
    client.on('other', () => received.push(['other']));
    io.emit('message:new', { seq: 1, body: 'a "quoted" body' });
    io.emit('message:new', { seq: 2, body: 'two' });
    await eventually('two broadcasts', () => received.length === 2);
    expect(received.map(([message]) => message)).toEqual([
      { seq: 1, body: 'a "quoted" body' },
      { seq: 2, body: 'two' },
    ]);
    expect(received.every((args) => args.length === 2 && typeof args[1] === 'string')).toBe(true);
  });

  it('takes an event that asks for an acknowledgement, and is closed, not thrown, by one it cannot read', async () => {
    const client = await connect({ token: 'good' });
    const [server] = serverSockets as [Socket];
    const received: unknown[] = [];
    client.on('asks', (payload: unknown) => received.push(payload));
    server.emit('asks', { n: 1 }, () => undefined);
    await eventually('the event that asked for an ack', () => received.length === 1);
    expect(received).toEqual([{ n: 1 }]);
    let reason = '';
    server.on('disconnect', (why) => (reason = why));
    server.emit('binary', Buffer.from('not for this client'));
    await eventually('the connection closed', () => reason !== '');
    expect(reason).toBe('transport close');
  });

  it('rejects with the message of a refused handshake', async () => {
    await expect(LeanSocket.connect(base, { token: 'bad' })).rejects.toEqual(
      new LeanConnectError('unauthorized'),
    );
  });

  it('rejects when nothing listens', async () => {
    await io.close();
    await expect(LeanSocket.connect(base, { token: 'good' })).rejects.toBeInstanceOf(
      LeanConnectError,
    );
  });

  it('answers the heartbeat, so the server keeps it', async () => {
    await connect({ token: 'good' });
    const [server] = serverSockets as [Socket];
    let beats = 0;
    server.conn.on('heartbeat', () => (beats += 1));
    await eventually('five heartbeats', () => beats >= 5);
    expect(server.connected).toBe(true);
  });

  it('disconnects as a client does, not as a transport that dropped', async () => {
    const client = await connect({ token: 'good' });
    const [server] = serverSockets as [Socket];
    let reason = '';
    server.on('disconnect', (why) => (reason = why));
    client.disconnect();
    await eventually('the server saw the disconnect', () => reason !== '');
    expect(reason).toBe('client namespace disconnect');
  });
});
