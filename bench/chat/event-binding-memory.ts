/**
 * Heap per 1,000 idle sockets of a Socket.IO server whose sockets each have the chat
 * gateway's eight events bound: by Nest's `IoAdapter` (an RxJS pipeline per event and
 * socket) and by the gateway's `KafkaIoAdapter` (a listener per event and socket), beside
 * Socket.IO with nothing bound. Each server runs in a process of its own, measured after
 * a full garbage collection; the clients connect from another process.
 *
 *   node tools/run.js bench chat/event-binding-memory.ts     # SOCKETS=2000
 */
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { integer, parseEnv } from '@scale-chat/platform';
import { from, type Observable } from 'rxjs';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
// The benchmark measures the gateway's own adapter class in this process, so it imports it
// by path (nothing of the gateway is started; the app exports no library).
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { KafkaIoAdapter } from '../../apps/chat-gateway/src/realtime/kafka-io.adapter';
import { forkTypeScript, nextMessage } from '../child-process';

const { SOCKETS } = parseEnv(process.env, {
  SOCKETS: integer({ min: 100, max: 100_000 }, { default: 2_000 }),
});
/** As many as the gateway's two gateways subscribe to (`@SubscribeMessage`). */
const EVENTS = 8;
const VARIANTS = ['socket.io alone', "Nest's IoAdapter", 'KafkaIoAdapter'] as const;
type Variant = (typeof VARIANTS)[number];

type ServerMessage = { type: 'listening'; port: number } | { type: 'heap'; bytes: number };

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The child that serves: binds every socket's events as `variant` does. */
async function serve(variant: Variant): Promise<void> {
  const adapter =
    variant === "Nest's IoAdapter"
      ? new IoAdapter()
      : variant === 'KafkaIoAdapter'
        ? new KafkaIoAdapter(undefined as never, undefined as never, [])
        : undefined;
  const handlers: MessageMappingProperties[] = Array.from({ length: EVENTS }, (_, index) => ({
    message: `event:${index}`,
    methodName: `handle${index}`,
    callback: (data: unknown) => Promise.resolve(data),
    isAckHandledManually: false,
  }));
  const transform = (result: unknown): Observable<unknown> => from(Promise.resolve(result));
  const http = createServer();
  const server = new Server(http);
  server.on('connection', (socket) => {
    // Nest binds each handler to the socket it serves, as here.
    const bound = handlers.map((handler) => ({
      ...handler,
      callback: handler.callback.bind(undefined, socket),
    }));
    adapter?.bindMessageHandlers(socket as never, bound, transform);
  });
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  process.send?.({
    type: 'listening',
    port: (http.address() as AddressInfo).port,
  } satisfies ServerMessage);
  process.on('message', () =>
    process.send?.({ type: 'heap', bytes: heapAfterGc() } satisfies ServerMessage),
  );
}

/** The child that connects SOCKETS clients to `port` and holds them. */
async function holdClients(port: number): Promise<void> {
  const clients: ClientSocket[] = [];
  for (let index = 0; index < SOCKETS; index += 100) {
    const batch = Array.from(
      { length: Math.min(100, SOCKETS - index) },
      () =>
        new Promise<ClientSocket>((done, fail) => {
          const client = connect(`http://127.0.0.1:${port}`, {
            transports: ['websocket'],
            forceNew: true,
            reconnection: false,
          });
          client.once('connect', () => done(client));
          client.once('connect_error', fail);
        }),
    );
    clients.push(...(await Promise.all(batch)));
  }
  process.send?.('connected');
}

/** The serving child's heap after a full GC, asked for now. */
function heapOf(server: ChildProcess): Promise<number> {
  const reply = nextMessage(server, (message: ServerMessage) =>
    message.type === 'heap' ? message.bytes : undefined,
  );
  server.send('heap');
  return reply;
}

async function measure(variant: Variant): Promise<number> {
  const server = forkTypeScript(__filename, ['serve', variant], ['--expose-gc']);
  try {
    const port = await nextMessage(server, (message: ServerMessage) =>
      message.type === 'listening' ? message.port : undefined,
    );
    const before = await heapOf(server);
    const clients = forkTypeScript(__filename, ['clients', String(port)]);
    try {
      await nextMessage(clients, (message: string) => (message === 'connected' ? true : undefined));
      const after = await heapOf(server);
      return ((after - before) / SOCKETS) * 1000;
    } finally {
      clients.kill();
    }
  } finally {
    server.kill();
  }
}

async function main(): Promise<void> {
  const [role, argument = ''] = process.argv.slice(2);
  if (role === 'serve') return serve(argument as Variant);
  if (role === 'clients') return holdClients(Number(argument));
  const rows: string[] = [];
  for (const variant of VARIANTS) {
    const bytes = await measure(variant);
    rows.push(`| ${variant} | ${(bytes / 1024 / 1024).toFixed(1)} |`);
  }
  process.stdout.write(
    [
      `${SOCKETS} idle sockets, ${EVENTS} events bound on each (${join('bench', 'chat', 'event-binding-memory.ts')}):`,
      '',
      '| events bound by | heap MB per 1,000 sockets |',
      '| --- | --- |',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
