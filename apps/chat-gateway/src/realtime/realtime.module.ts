import type { INestApplication } from '@nestjs/common';
import { HealthRegistry, KafkaConnection } from '@scale-chat/platform';
import { createAdapter, type BusHealth } from '@scale-chat/socket-io-kafka-adapter';
import { PinoLogger } from 'nestjs-pino';
import type { ChatConfig } from '../chat-config';
import { KafkaIoAdapter } from './kafka-io.adapter';

function healthOf(health: BusHealth) {
  const { healthy, reason, ...details } = health;
  return {
    socketio: healthy
      ? { status: 'up' as const, ...details }
      : { status: 'down' as const, reason, ...details },
  };
}

/**
 * Before the gateway listens: the Kafka adapter joins the cluster, its health joins
 * `GET /health`, and Nest's Socket.IO server is built on it.
 */
export async function configureRealtime(app: INestApplication, config: ChatConfig): Promise<void> {
  const logger = await app.resolve(PinoLogger);
  logger.setContext('socket-io-kafka-adapter');
  const adapter = createAdapter(app.get(KafkaConnection).kafka, {
    topic: config.extra.SOCKET_IO_TOPIC,
    groupIdPrefix: `${config.extra.SOCKET_IO_TOPIC}-${config.instanceId}`,
    logger: logger.logger,
  });
  app.get(HealthRegistry).register(() => Promise.resolve(healthOf(adapter.bus.health())));
  app.useWebSocketAdapter(new KafkaIoAdapter(app, adapter, config.extra.SOCKET_ALLOWED_ORIGINS));
  await adapter.bus.start();
}
