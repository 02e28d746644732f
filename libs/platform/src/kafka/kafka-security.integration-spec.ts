import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Partitioners, type Kafka } from 'kafkajs';
import { eventuallyValue } from '@scale-chat/wait';
import pino from 'pino';
import { readServiceConfig } from '../config';
import { defineTopic } from '@scale-chat/contracts';
import { ensureTopics } from './ensure-topics';
import { createKafkaClient } from './kafka-client';

/** The tools' broker's TLS and SASL listener (tools/src/infra/kafka.ts, `SecureListener`). */
interface SecureListener {
  readonly brokers: string[];
  readonly caFile: string;
  readonly users: Record<'plain' | 'scram-sha-512', { username: string; password: string }>;
  readonly scramUserInCluster?: string;
  readonly keystore: { readonly file: string };
}

const listenerFile = process.env['KAFKA_SECURE_LISTENER_FILE'];
if (listenerFile === undefined)
  process.stdout.write(
    "Kafka over TLS and SASL NOT tested: KAFKA_SECURE_LISTENER_FILE is not set, as when the broker is not one these tools started (KAFKA_BROKERS); `npm test` sets it for its own broker's TLS and SASL listener\n",
  );

const logger = pino({ level: 'silent' });

/** A Kafka client as a service makes it from its environment. */
function clientFor(env: Record<string, string>, retries?: number): Kafka {
  const config = readServiceConfig('log-consumer', env);
  return createKafkaClient({
    clientId: `platform-test-${process.pid}`,
    brokers: config.kafkaBrokers,
    security: config.kafkaSecurity,
    logger,
    ...(retries === undefined ? {} : { retry: { retries } }),
  });
}

(listenerFile === undefined ? describe.skip : describe)(
  'Kafka over TLS and SASL, on the real broker',
  () => {
    const listener = JSON.parse(readFileSync(listenerFile ?? '', 'utf8')) as SecureListener;
    const tls = { KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: listener.caFile };
    const asUser = (mechanism: 'plain' | 'scram-sha-512', password?: string) => ({
      KAFKA_BROKERS: listener.brokers.join(','),
      ...tls,
      KAFKA_SASL_MECHANISM: mechanism,
      KAFKA_SASL_USERNAME: listener.users[mechanism].username,
      KAFKA_SASL_PASSWORD: password ?? listener.users[mechanism].password,
    });

    it.each(['plain', 'scram-sha-512'] as const)(
      'a service configured for TLS and SASL %s makes a topic, produces and consumes on it',
      async (mechanism) => {
        const kafka = clientFor(asUser(mechanism));
        const admin = kafka.admin();
        await admin.connect();
        const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
        const consumer = kafka.consumer({ groupId: `test.secure-${randomUUID()}` });
        const topic = `test.secure-${mechanism}-${randomUUID()}`;
        let created = false;
        try {
          if (mechanism === 'scram-sha-512') {
            const { clusterId } = await admin.describeCluster();
            // Written with the data directory, or added once to data made before the listener.
            expect(listener.scramUserInCluster).toBe(clusterId);
          }
          // As the services make theirs: waited for until its partition has a leader (a
          // busy broker may not know a new topic for a moment).
          await ensureTopics(admin, [defineTopic({ name: topic, key: 'roomId', partitions: 1 })]);
          created = true;
          await Promise.all([producer.connect(), consumer.connect()]);
          await consumer.subscribe({ topics: [topic], fromBeginning: true });
          const received: string[] = [];
          await consumer.run({
            eachMessage: ({ message }) => {
              received.push(message.value?.toString() ?? '');
              return Promise.resolve();
            },
          });
          await producer.send({ topic, messages: [{ value: `over ${mechanism}` }] });
          await eventuallyValue(
            'the record read back over the secure listener',
            () => received,
            (values) => values.includes(`over ${mechanism}`),
            { timeoutMs: 45_000 },
          );
        } finally {
          await Promise.all([consumer.disconnect(), producer.disconnect()]);
          if (created) await admin.deleteTopics({ topics: [topic] });
          await admin.disconnect();
        }
      },
      60_000,
    );

    it.each(['plain', 'scram-sha-512'] as const)(
      'a wrong %s password is refused at connect',
      async (mechanism) => {
        const admin = clientFor(asUser(mechanism, 'not-the-password'), 0).admin();
        await expect(admin.connect()).rejects.toThrow(/SASL .*authentication failed/i);
        await admin.disconnect();
      },
    );

    it("without the broker's CA, its certificate is not trusted", async () => {
      const { KAFKA_TLS_CA_FILE: _ca, ...withoutCa } = asUser('scram-sha-512');
      const admin = clientFor(withoutCa, 0).admin();
      await expect(admin.connect()).rejects.toThrow(/self[- ]signed certificate/i);
      await admin.disconnect();
    });

    describe('files that cannot serve stop the configuration, naming the variable', () => {
      let dir: string;
      let otherKey: string;
      beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
        otherKey = join(dir, 'other-key.pem');
        writeFileSync(
          otherKey,
          generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
            type: 'pkcs8',
            format: 'pem',
          }),
        );
      });
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      it('a CA file that holds no PEM certificate (the broker keystore)', () => {
        expect(() =>
          readServiceConfig('log-consumer', { ...tls, KAFKA_TLS_CA_FILE: listener.keystore.file }),
        ).toThrow(
          `Invalid configuration: KAFKA_TLS_CA_FILE: ${listener.keystore.file} holds no PEM certificate`,
        );
      });

      it('a client certificate that is not the key’s', () => {
        expect(() =>
          readServiceConfig('log-consumer', {
            ...tls,
            KAFKA_TLS_CERT_FILE: listener.caFile,
            KAFKA_TLS_KEY_FILE: otherKey,
          }),
        ).toThrow(
          `Invalid configuration: KAFKA_TLS_CERT_FILE: ${listener.caFile} is not the certificate of the key in KAFKA_TLS_KEY_FILE`,
        );
      });

      it('a key file that holds no key (a certificate)', () => {
        expect(() =>
          readServiceConfig('log-consumer', {
            ...tls,
            KAFKA_TLS_CERT_FILE: listener.caFile,
            KAFKA_TLS_KEY_FILE: listener.caFile,
          }),
        ).toThrow(
          `Invalid configuration: KAFKA_TLS_KEY_FILE: ${listener.caFile} holds no PEM private key`,
        );
      });
    });
  },
);
