import type { INestApplication } from '@nestjs/common';
import { ensureTopics, HealthRegistry, KafkaConnection } from '@scale-chat/platform';
import { SOCKET_IO_TOPIC, type MessageView } from '@scale-chat/contracts';
import {
  createAdapter,
  type BroadcastPacket,
  type BusHealth,
  type StreamPosition,
} from '@scale-chat/socket-io-kafka-adapter';
import { PinoLogger } from 'nestjs-pino';
import type { ChatConfig } from '../chat-config';
import { RoomsService } from '../rooms/rooms.service';
import { KafkaIoAdapter } from './kafka-io.adapter';
import { roomsOnRecovery } from './rooms-on-recovery';

/** The events of a room's stream: its messages and their changes, in `version` order. */
const ROOM_STREAM_EVENTS: readonly unknown[] = ['message:new', 'message:updated'];

/**
 * A `message:new` or `message:updated` broadcast's place in its room's stream: the
 * room's `version`, which every stored message and every change to one takes next
 * (API.md v1.1), so both are delivered forward in one order. Any other event has none.
 */
function messagePosition(packet: BroadcastPacket): StreamPosition | undefined {
  if (!Array.isArray(packet.data) || !ROOM_STREAM_EVENTS.includes(packet.data[0])) return undefined;
  const message = packet.data[1] as Partial<MessageView> | undefined;
  return typeof message?.roomId === 'string' && typeof message.version === 'number'
    ? { stream: message.roomId, position: message.version }
    : undefined;
}

function healthOf(health: BusHealth) {
  const { healthy, reason, ...details } = health;
  return {
    socketio: healthy
      ? { status: 'up' as const, ...details }
      : { status: 'down' as const, reason, ...details },
  };
}

/**
 * Before the gateway listens: the cluster topic is made or brought to its declared
 * configuration, the Kafka adapter joins the cluster, its health joins
 * `GET /health`, and Nest's Socket.IO server is built on it.
 */
export async function configureRealtime(app: INestApplication, config: ChatConfig): Promise<void> {
  const logger = await app.resolve(PinoLogger);
  logger.setContext('socket-io-kafka-adapter');
  const { kafka } = app.get(KafkaConnection);
  // The cluster topic as declared (its retention, the largest broadcast it carries), also
  // when an earlier release made it: the adapter would only create a missing one. As the
  // event consumers' start does, with kafkajs' retries.
  // SOCKET_IO_TOPIC as it is, not under KAFKA_TOPIC_PREFIX: a cluster of gateways must
  // keep its topic across an upgrade (deployments sharing Kafka each set their own).
  const topic = { ...SOCKET_IO_TOPIC, name: config.extra.SOCKET_IO_TOPIC };
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [topic], logger.logger);
  } finally {
    await admin.disconnect();
  }
  const adapter = createAdapter(kafka, {
    topic: topic.name,
    groupIdPrefix: `${topic.name}-${config.instanceId}`,
    // API.md: `message:new` and `message:updated` reach each socket exactly once. A gateway
    // that takes over the outbox relay from a dead one broadcasts again what that one may
    // have sent; every instance drops a room's event at or below the version it last
    // delivered.
    positionOf: messagePosition,
    // A socket coming back keeps only the chat rooms its user is still in (API.md: a
    // removed member gets nothing more from the room).
    roomsOnRecovery: roomsOnRecovery(app.get(RoomsService)),
    // As the service's own consumers: how soon it hears the topic again after the broker
    // restarted.
    consumerSessionTimeout: config.kafkaSessionTimeoutMs,
    logger: logger.logger,
  });
  app.get(HealthRegistry).register(() => Promise.resolve(healthOf(adapter.bus.health())));
  app.useWebSocketAdapter(new KafkaIoAdapter(app, adapter, config.extra.SOCKET_ALLOWED_ORIGINS));
  await adapter.bus.start();
  // A consumer kafkajs stopped for good (an ACL that refuses the adapter's group, say)
  // leaves the instance deaf to the others for ever: its sockets would hear nothing from
  // other instances. It stops as an orchestrator would stop it, its sockets moving to the
  // others, and its supervisor (Kubernetes, compose's restart policy) starts it afresh,
  // so mending the cause is enough.
  adapter.bus.once('consumer_failed', (error: unknown) => {
    logger.error(
      { err: error },
      "the Socket.IO adapter's consumer stopped for good: stopping this instance, for its supervisor to start it again",
    );
    process.kill(process.pid, 'SIGTERM');
  });
}
