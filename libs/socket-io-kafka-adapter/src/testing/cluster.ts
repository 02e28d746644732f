import { eventually } from '@scale-chat/wait';
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { Server, type ServerOptions } from 'socket.io';
import {
  io as connect,
  type Socket as ClientSocket,
  type ManagerOptions,
  type SocketOptions,
} from 'socket.io-client';
import { createAdapter, type KafkaAdapterConstructor } from '../index';
import type { KafkaAdapterOptions } from '../options';

export const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

export const silentLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export interface Instance {
  readonly io: Server;
  readonly url: string;
  readonly adapter: KafkaAdapterConstructor;
  close(): Promise<void>;
}

/**
 * A topic (and group prefix) of its own for each test file, so suites never meet. The
 * timeouts leave room for a busy machine that starves an instance for a few seconds: a
 * live one dropped, or a request given up, would fail tests that have nothing wrong.
 */
export function clusterOptions(overrides: KafkaAdapterOptions = {}): KafkaAdapterOptions {
  const id = randomUUID().slice(0, 8);
  return {
    topic: `test.socketio-${id}`,
    groupIdPrefix: `test-socketio-${id}`,
    heartbeatInterval: 500,
    heartbeatTimeout: 5_000,
    requestsTimeout: 15_000,
    logger: silentLogger,
    ...overrides,
  };
}

/** One Socket.IO server with the Kafka adapter, listening on a free port. */
export async function startInstance(
  options: KafkaAdapterOptions,
  serverOptions: Partial<ServerOptions> = {},
): Promise<Instance> {
  const kafka = new Kafka({
    clientId: `adapter-test-${randomUUID().slice(0, 6)}`,
    brokers,
    logLevel: logLevel.NOTHING,
  });
  const adapter = createAdapter(kafka, options);
  const http: HttpServer = createServer();
  const io = new Server(http, {
    adapter,
    connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: true },
    ...serverOptions,
  });
  await adapter.bus.start();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    io,
    url: `http://127.0.0.1:${port}`,
    adapter,
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}

export async function startCluster(
  size: number,
  options: KafkaAdapterOptions,
  serverOptions: Partial<ServerOptions> = {},
): Promise<Instance[]> {
  const instances: Instance[] = [];
  for (let index = 0; index < size; index++)
    instances.push(await startInstance(options, serverOptions));
  await eventually('cluster membership', () =>
    instances.every((instance) => instance.adapter.bus.serverCount() === size),
  );
  return instances;
}

export function connectClient(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<ClientSocket> {
  const socket = connect(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...options,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Collects the payloads of `event` a client receives. */
export function collect<T = unknown>(socket: ClientSocket, event: string): T[] {
  const received: T[] = [];
  socket.on(event, (payload: T) => received.push(payload));
  return received;
}

/** Resolves at the client's next `connect` or `disconnect`. */
export function once(socket: ClientSocket, event: 'connect' | 'disconnect'): Promise<void> {
  return new Promise((resolve) => socket.once(event, () => resolve()));
}
