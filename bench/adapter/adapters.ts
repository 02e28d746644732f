import { createAdapter as createRedisAdapter } from '@socket.io/redis-adapter';
import { createAdapter as createRedisStreamsAdapter } from '@socket.io/redis-streams-adapter';
import { createAdapter as createKafkaAdapter } from '@scale-chat/socket-io-kafka-adapter';
import { Kafka, logLevel } from 'kafkajs';
import { createClient } from 'redis';
import type { ServerOptions } from 'socket.io';

export const ADAPTER_KINDS = ['in-memory', 'redis', 'redis-streams', 'kafka'] as const;
export type AdapterKind = (typeof ADAPTER_KINDS)[number];

export interface AdapterSetup {
  readonly adapter?: ServerOptions['adapter'];
  start(): Promise<void>;
}

/** Builds the adapter of `kind` the way each project's README says to use it. */
export async function adapterFor(
  kind: AdapterKind,
  env: { redisUrl: string; brokers: string[]; topic: string },
): Promise<AdapterSetup> {
  switch (kind) {
    case 'in-memory':
      return { start: () => Promise.resolve() };
    case 'redis': {
      const pub = createClient({ url: env.redisUrl });
      const sub = pub.duplicate();
      await Promise.all([pub.connect(), sub.connect()]);
      return { adapter: createRedisAdapter(pub, sub), start: () => Promise.resolve() };
    }
    case 'redis-streams': {
      const client = createClient({ url: env.redisUrl });
      await client.connect();
      return { adapter: createRedisStreamsAdapter(client), start: () => Promise.resolve() };
    }
    case 'kafka': {
      const kafka = new Kafka({ clientId: 'bench', brokers: env.brokers, logLevel: logLevel.WARN });
      const adapter = createKafkaAdapter(kafka, {
        topic: env.topic,
        groupIdPrefix: `bench-${env.topic}`,
      });
      return { adapter, start: () => adapter.bus.start() };
    }
  }
}
