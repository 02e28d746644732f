import type { Kafka } from 'kafkajs';
import type { Adapter } from 'socket.io-adapter';
import { KafkaAdapter } from './kafka-adapter';
import { KafkaBus } from './kafka-bus';
import { resolveOptions, type KafkaAdapterOptions } from './options';

export type { BusHealth, BusStats } from './kafka-bus';
export { KafkaAdapter } from './kafka-adapter';
export { KafkaBus } from './kafka-bus';
export { MalformedMessageError } from './messages';
export type {
  AdapterLogger,
  BroadcastPacket,
  KafkaAdapterOptions,
  RecoveringSession,
  StreamPosition,
} from './options';
export { PublishBufferFullError } from './publisher';
/** For bench/adapter/recovery-log-memory.ts; the adapter makes its own. */
export { RecoveryLog } from './recovery-log';

/**
 * What `io.adapter()` takes (Socket.IO calls it with `new`), with `bus`, the Kafka
 * connection shared by every namespace of the server: health, stats and events.
 */
export type KafkaAdapterConstructor = typeof Adapter & {
  new (nsp: unknown): KafkaAdapter;
  readonly bus: KafkaBus;
};

/**
 * A Socket.IO adapter factory over Kafka.
 *
 * ```ts
 * const adapter = createAdapter(new Kafka({ brokers }), { topic: 'socketio.events' });
 * const io = new Server(httpServer, { adapter, connectionStateRecovery: {} });
 * await adapter.bus.start(); // resolves once this instance reads the cluster topic
 * ```
 */
export function createAdapter(
  kafka: Kafka,
  options: KafkaAdapterOptions = {},
): KafkaAdapterConstructor {
  const bus = new KafkaBus(kafka, resolveOptions(options));
  return class BoundKafkaAdapter extends KafkaAdapter {
    static readonly bus = bus;

    constructor(nsp: unknown) {
      super(nsp, bus);
    }
  };
}
