import { randomUUID } from 'node:crypto';
import { defineTopic, LOCAL_KAFKA_BROKERS } from '@scale-chat/contracts';
import {
  ConfigResourceTypes,
  ConfigSource,
  Partitioners,
  type Admin,
  type Consumer,
  type Producer,
} from 'kafkajs';
import { eventuallyValue } from '@scale-chat/wait';
import pino from 'pino';
import { createKafkaClient } from './kafka-client';
import { ensureTopics } from './ensure-topics';

const brokers = process.env['KAFKA_BROKERS']?.split(',') ?? [...LOCAL_KAFKA_BROKERS];

describe('Kafka through the real broker', () => {
  const kafka = createKafkaClient({
    clientId: `platform-test-${process.pid}`,
    brokers,
    logger: pino({ level: 'warn' }),
  });
  const topic = defineTopic({ name: `test.records-${randomUUID()}`, key: 'roomId', partitions: 3 });
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    admin = kafka.admin();
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    try {
      await consumer?.disconnect();
      await admin.deleteTopics({ topics: [topic.name] });
    } finally {
      // Even when the topic was never made: an open client keeps Jest from exiting.
      await Promise.all([producer.disconnect(), admin.disconnect()]);
    }
  });

  it('creates declared topics once, even when asked by several clients at the same time', async () => {
    const admins = [admin, kafka.admin(), kafka.admin()];
    await Promise.all(admins.slice(1).map((other) => other.connect()));
    // Each resolves only once the partitions have leaders, whoever created the topic.
    await Promise.all(admins.map((each) => ensureTopics(each, [topic])));
    await Promise.all(admins.slice(1).map((other) => other.disconnect()));
    const metadata = await admin.fetchTopicMetadata({ topics: [topic.name] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);
  });

  it('gives a topic that existed the settings declared since, and never changes one it has', async () => {
    const name = `test.configs-${randomUUID()}`;
    await admin.createTopics({
      topics: [
        {
          topic: name,
          numPartitions: 1,
          // An operator's retention, and a setting nobody declares.
          configEntries: [
            { name: 'retention.ms', value: '86400000' },
            { name: 'segment.ms', value: '3600000' },
          ],
        },
      ],
    });
    const ownSettings = async () => {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name }],
      });
      return Object.fromEntries(
        (resources[0]?.configEntries ?? [])
          .filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG)
          .map((entry) => [entry.configName, entry.configValue]),
      );
    };
    try {
      const declared = defineTopic({
        name,
        key: 'roomId',
        partitions: 1,
        config: { 'retention.ms': '-1', 'max.message.bytes': '16777216' },
      });
      await ensureTopics(admin, [declared]);
      // The controller applies the change; the broker answering may see it a moment later.
      const expected = {
        'max.message.bytes': '16777216',
        'retention.ms': '86400000',
        'segment.ms': '3600000',
      };
      const settings = await eventuallyValue('the declared setting added', ownSettings, (own) =>
        Object.hasOwn(own, 'max.message.bytes'),
      );
      expect(settings).toEqual(expected);
    } finally {
      await admin.deleteTopics({ topics: [name] });
    }
  });

  it('delivers produced records to a consumer, in order per key', async () => {
    const keys = ['room-a', 'room-b'];
    const sent = keys.flatMap((key) =>
      Array.from({ length: 20 }, (_, index) => ({ key, value: `${key}:${index}` })),
    );
    await producer.send({ topic: topic.name, acks: -1, messages: sent });

    consumer = kafka.consumer({ groupId: `platform-test-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: topic.name, fromBeginning: true });
    const received = await new Promise<{ key: string; value: string }[]>((resolve) => {
      const records: { key: string; value: string }[] = [];
      void consumer?.run({
        eachMessage: ({ message }) => {
          records.push({ key: String(message.key), value: String(message.value) });
          if (records.length === sent.length) resolve(records);
          return Promise.resolve();
        },
      });
    });

    for (const key of keys) {
      expect(received.filter((record) => record.key === key)).toEqual(
        sent.filter((record) => record.key === key),
      );
    }
  });
});
