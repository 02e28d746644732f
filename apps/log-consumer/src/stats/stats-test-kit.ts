import { randomUUID } from 'node:crypto';
import { KafkaConnection } from '@scale-chat/platform';
import { startTestService, type TestJwks, type TestService } from '@scale-chat/platform/testing';
import { Partitioners, type Producer } from 'kafkajs';
import { logConsumerService } from '../app.module';
import type { LogConfig } from '../log-config';

/** A log-consumer for a spec, with a producer on its Kafka to feed it events. */
export interface FedLogConsumer {
  readonly service: TestService<LogConfig>;
  readonly producer: Producer;
}

/** Starts a log-consumer with `settings` and connects a producer beside it. */
export async function startFedLogConsumer(
  settings: Record<string, string>,
): Promise<FedLogConsumer> {
  const service = await startTestService(logConsumerService, settings);
  const producer = service.app
    .get(KafkaConnection)
    .kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return { service, producer };
}

/** An access token of `username` (in the spec's ADMIN_USERNAMES) with the admin role. */
export function adminTokenOf(jwks: TestJwks, username = 'chief'): Promise<string> {
  return jwks.signer.sign({ userId: randomUUID(), username, familyId: randomUUID(), admin: true });
}
