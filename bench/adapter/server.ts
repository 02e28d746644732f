/**
 * One Socket.IO server for the adapter benchmark, run as a child process of run.ts.
 * Its sockets join the rooms named in their auth; on command it emits timestamped
 * messages to rooms, at a fixed rate or as fast as it can.
 *
 *   node -r @swc-node/register bench/adapter/server.ts <kind> <redisUrl> <brokers> <topic>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { adapterFor, type AdapterKind } from './adapters';
import type { EmitCommand, ServerReport } from './protocol';
import { nowMs } from './protocol';

async function main(): Promise<void> {
  const [kind, redisUrl = '', brokers = '', topic = ''] = process.argv.slice(2) as [
    AdapterKind,
    ...string[],
  ];
  const setup = await adapterFor(kind, { redisUrl, brokers: brokers.split(','), topic });
  const http = createServer();
  const io = new Server(http, {
    ...(setup.adapter === undefined ? {} : { adapter: setup.adapter }),
    connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: true },
  });
  io.on('connection', (socket) => {
    if (socket.recovered) return;
    void socket.join((socket.handshake.auth as { rooms?: string[] }).rooms ?? []);
  });
  await setup.start();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const report = (message: ServerReport) => process.send?.(message);
  report({ type: 'ready', port: (http.address() as AddressInfo).port });

  process.on('message', (command: EmitCommand) => {
    void emit(io, command).then((elapsedMs) =>
      report({ type: 'emitted', count: command.count, elapsedMs }),
    );
  });
}

/** Emits `count` messages round-robin over `rooms`; `rate` 0 means as fast as it can. */
async function emit(io: Server, { rooms, count, rate }: EmitCommand): Promise<number> {
  const started = nowMs();
  let sent = 0;
  while (sent < count) {
    const due = rate === 0 ? sent + 500 : Math.floor(((nowMs() - started) * rate) / 1000) + 1;
    for (; sent < Math.min(due, count); sent++) {
      io.to(rooms[sent % rooms.length] as string).emit('m', nowMs(), sent);
    }
    await new Promise((resolve) => (rate === 0 ? setImmediate(resolve) : setTimeout(resolve, 1)));
  }
  return nowMs() - started;
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
