import { randomUUID } from 'node:crypto';
import { Controller, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  defineTopic,
  EVENT_HEADERS,
  LOCAL_KAFKA_BROKERS,
  prefixedTopic,
  type EventEnvelope,
} from '@scale-chat/contracts';
import { eventually } from '@scale-chat/wait';
import { Partitioners, type Producer } from 'kafkajs';
import pino from 'pino';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { createServiceApp } from '../bootstrap';
import { readServiceConfig, type ServiceConfig } from '../config';
import { createKafkaClient } from '../kafka';
import { ServiceMetrics } from '../metrics';
import { ensureTopics } from '../kafka/ensure-topics';
import { PlatformModule } from '../platform.module';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy';
import { testEnvironment } from '../testing/test-config';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import type { EventConsumer } from './event-consumer';
import { consumerGroup, OnEvent, OnEventBatch, type KafkaEventContext } from './event-routes';

const kafka = createKafkaClient({
  clientId: `transport-test-${process.pid}`,
  brokers: process.env['KAFKA_BROKERS']?.split(',') ?? [...LOCAL_KAFKA_BROKERS],
  logger: pino({ level: 'silent' }),
});

const PROBES_TOPIC = defineTopic({ name: 'test.probes', key: 'userId', partitions: 3 });
/** One partition: the records produced together arrive in one Kafka batch. */
const ITEMS_TOPIC = defineTopic({ name: 'test.items', key: 'userId', partitions: 1 });

const PROBES = consumerGroup({ name: 'probes', topics: [PROBES_TOPIC], maxAttempts: 2 });
const ITEMS = consumerGroup({ name: 'items', topics: [ITEMS_TOPIC], maxAttempts: 2 });

interface Added {
  readonly name: string;
  readonly n: number;
}

function parseAdded(data: unknown): Added {
  const { name, n } = (data ?? {}) as Record<string, unknown>;
  if (typeof name !== 'string' || typeof n !== 'number') throw new Error('name or n is missing');
  return { name, n };
}

interface Item {
  readonly id: string;
  readonly label: string;
}

/** What the test does to a handler while it runs: hold it mid-transaction, once. */
const probe = {
  hold: undefined as { reached: () => void; released: Promise<void> } | undefined,
  attempts: new Map<string, number>(),
};

@Controller()
class ProbeController {
  /** Adds `n` to the total `name`, mid-way through a transaction of two statements. */
  @OnEvent(PROBES, 'probe.added', parseAdded)
  async added(
    @Payload() added: Added,
    @Ctx() { manager, event }: KafkaEventContext,
  ): Promise<void> {
    probe.attempts.set(added.name, (probe.attempts.get(added.name) ?? 0) + 1);
    await manager.query(
      `INSERT INTO "probe_totals" ("name", "total") VALUES ($1, 0) ON CONFLICT DO NOTHING`,
      [added.name],
    );
    const hold = probe.hold;
    if (hold !== undefined) {
      probe.hold = undefined;
      hold.reached();
      await hold.released;
    }
    await manager.query(
      `UPDATE "probe_totals" SET "total" = "total" + $2, "correlation_id" = $3 WHERE "name" = $1`,
      [added.name, added.n, event.correlationId ?? null],
    );
  }

  @OnEvent(PROBES, 'probe.broken', (data) => data)
  broken(): Promise<void> {
    return Promise.reject(new Error('the handler has a bug'));
  }

  /** A bug of the kind kafkajs takes for hopeless when it is thrown to it. */
  @OnEvent(PROBES, 'probe.typo', (data) => data)
  typo(): Promise<void> {
    return Promise.reject(new TypeError("Cannot read properties of undefined (reading 'n')"));
  }

  /** Stores each item with the id of the transaction that stored it; a repeat changes nothing. */
  @OnEventBatch(ITEMS, {
    schemas: {
      'item.listed': (data) => {
        const { label } = (data ?? {}) as Record<string, unknown>;
        if (typeof label !== 'string') throw new Error('label is not text');
        return { label };
      },
    },
    item: (event: EventEnvelope): Item => ({
      id: event.id,
      label: (event.data as { label: string }).label,
    }),
  })
  async items(
    @Payload() items: readonly Item[],
    @Ctx() { manager }: KafkaEventContext,
  ): Promise<void> {
    for (const item of items) {
      if (item.label === 'poison') throw new Error('this item cannot be stored');
      await manager.query(
        `INSERT INTO "probe_items" ("id", "label", "tx") VALUES ($1, $2, txid_current())
         ON CONFLICT DO NOTHING`,
        [item.id, item.label],
      );
    }
  }
}

class CreateProbeTables1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "probe_totals" ("name" text PRIMARY KEY, "total" int NOT NULL, "correlation_id" text)`,
    );
    await queryRunner.query(
      `CREATE TABLE "probe_items" ("id" uuid PRIMARY KEY, "label" text NOT NULL, "tx" bigint NOT NULL)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "probe_items"`);
    await queryRunner.query(`DROP TABLE "probe_totals"`);
  }
}

@Module({})
class ProbeServiceModule {
  static register(config: ServiceConfig): DynamicModule {
    return {
      module: ProbeServiceModule,
      imports: [
        PlatformModule.forService(config, { migrations: [CreateProbeTables1700000000000] }),
      ],
      controllers: [ProbeController],
    };
  }
}

const envelope = (type: string, data: unknown, id: string = randomUUID()): string =>
  JSON.stringify({ id, type, occurredAt: new Date().toISOString(), data });

jest.setTimeout(60_000);

describe('KafkaEventsTransport: @OnEvent handlers of a hybrid app, on the real broker and database', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let config: ServiceConfig;
  let producer: Producer;
  let app: INestApplication;
  let dataSource: DataSource;
  let closed = false;
  const topic = (spec: typeof PROBES_TOPIC) => prefixedTopic(spec, config.kafkaTopicPrefix).name;
  const send = (spec: typeof PROBES_TOPIC, ...values: string[]) =>
    producer.send({
      topic: topic(spec),
      messages: values.map((value) => ({
        key: 'k',
        value,
        headers: { [EVENT_HEADERS.correlationId]: 'corr-probe' },
      })),
    });
  const consumer = (name: string): EventConsumer => {
    const consumers = app.getMicroservices()[0]?.unwrap<readonly EventConsumer[]>() ?? [];
    const found = consumers.find((each) => each.groupId === `${config.kafkaGroupPrefix}.${name}`);
    if (found === undefined) throw new Error(`no consumer ${name}`);
    return found;
  };
  const total = async (name: string): Promise<number | undefined> => {
    const rows = (await dataSource.query(`SELECT "total" FROM "probe_totals" WHERE "name" = $1`, [
      name,
    ])) as { total: number }[];
    return rows[0]?.total;
  };
  const deadLetters = (type: string | null) =>
    dataSource.query(
      `SELECT "consumer", "event_id", "type", "error" FROM "dead_letters"
        WHERE "type" IS NOT DISTINCT FROM $1 ORDER BY "id"`,
      [type],
    ) as Promise<{ consumer: string; event_id: string | null; type: string; error: string }[]>;

  beforeAll(async () => {
    database = await createTestDatabase();
    const url = new URL(database.url);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    url.host = `127.0.0.1:${proxy.port}`;
    config = readServiceConfig(
      'log-consumer',
      testEnvironment('log-consumer', {
        DATABASE_URL: url.toString(),
        INSTANCE_ID: `transport-${randomUUID().slice(0, 8)}`,
        LOG_LEVEL: 'fatal',
      }),
    );
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    // The items are on the topic before the app starts, so its first fetch is one batch.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [prefixedTopic(ITEMS_TOPIC, config.kafkaTopicPrefix)]);
    } finally {
      await admin.disconnect();
    }
    await send(
      ITEMS_TOPIC,
      ...['a', 'b', 'c', 'd', 'e'].map((label) => envelope('item.listed', { label })),
    );
    app = await createServiceApp(
      {
        service: 'log-consumer',
        readConfig: () => config,
        rootModule: (given) => ProbeServiceModule.register(given),
      },
      config,
    );
    dataSource = app.get(DataSource);
  });

  afterAll(async () => {
    if (!closed) await app.close();
    await producer.disconnect();
    await proxy.cut();
    await database.drop();
  });

  it('changes state once for an event delivered twice, with the correlation id of its headers', async () => {
    const id = randomUUID();
    const once = envelope('probe.added', { name: 'twice', n: 5 }, id);
    await send(PROBES_TOPIC, once, once, envelope('probe.added', { name: 'twice', n: 1 }));
    await eventually('three records read', () => {
      const { processed, duplicates } = consumer('probes').stats;
      return processed + duplicates >= 3;
    });
    expect(await total('twice')).toBe(6);
    expect(
      await dataSource.query(`SELECT "correlation_id" FROM "probe_totals" WHERE "name" = 'twice'`),
    ).toEqual([{ correlation_id: 'corr-probe' }]);
    // Kafka delivers at least once: a batch read again counts its records again. The
    // total above is what must not grow; the counter must have seen the repeat.
    expect(consumer('probes').stats.duplicates).toBeGreaterThanOrEqual(1);
    expect(
      await dataSource.query(`SELECT 1 FROM "processed_messages" WHERE "message_id" = $1`, [id]),
    ).toHaveLength(1);
  });

  it('processes an event once after its database, cut mid-way through the handler, comes back', async () => {
    let reached!: () => void;
    const holding = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    probe.hold = { reached, released: new Promise<void>((resolve) => (release = resolve)) };
    await send(PROBES_TOPIC, envelope('probe.added', { name: 'cut', n: 7 }));
    await holding;
    proxy.interrupt();
    release();
    // Away for longer than maxAttempts (2) would allow a failing event: it is waited out.
    await eventually('several tries while the database is away', () => {
      return proxy.resetWhileInterrupted >= 4;
    });
    proxy.restore();
    await eventually('the total', async () => (await total('cut')) === 7, 30_000);
    expect(probe.attempts.get('cut')).toBe(2);
    expect(await deadLetters('probe.added')).toEqual([]);
  });

  it('dead-letters an event whose handler keeps failing, and a bad record, and lets the next through', async () => {
    const brokenId = randomUUID();
    const badDataId = randomUUID();
    await send(
      PROBES_TOPIC,
      envelope('probe.broken', {}, brokenId),
      'not json',
      envelope('probe.added', { name: 'bad', n: 'seven' }, badDataId),
      envelope('probe.added', { name: 'after', n: 3 }),
    );
    await eventually('the next event', async () => (await total('after')) === 3);
    await eventually('the broken event kept', async () => {
      return (await deadLetters('probe.broken')).length === 1;
    });
    const group = `${config.kafkaGroupPrefix}.probes`;
    expect(await deadLetters('probe.broken')).toEqual([
      { consumer: group, event_id: brokenId, type: 'probe.broken', error: 'the handler has a bug' },
    ]);
    expect(await deadLetters(null)).toEqual([
      { consumer: group, event_id: null, type: null, error: 'not JSON' },
    ]);
    expect(await deadLetters('probe.added')).toEqual([
      {
        consumer: group,
        event_id: badDataId,
        type: 'probe.added',
        error: 'Error: name or n is missing',
      },
    ]);
    expect(await total('bad')).toBeUndefined();
    // Each reading counts (a batch read again is counted again); the dead letters above,
    // one per record, are what must not repeat.
    const { failed, malformed } = consumer('probes').stats;
    expect(failed).toBeGreaterThanOrEqual(1);
    expect(malformed).toBeGreaterThanOrEqual(2);
  });

  it('skips events whose handler has a bug (a TypeError) after their attempts, never leaving the group, and goes on', async () => {
    const leftAssignments: number[] = [];
    consumer('probes').onAssignment((assignment) => {
      if (assignment === undefined) leftAssignments.push(Date.now());
    });
    // More failures than kafkajs' retries (15 under NODE_ENV=test, 5 otherwise) would
    // allow in a row if they were thrown to it.
    const typos = Array.from({ length: 16 }, () => randomUUID());
    await send(
      PROBES_TOPIC,
      ...typos.map((id) => envelope('probe.typo', {}, id)),
      envelope('probe.added', { name: 'after-typos', n: 1 }),
    );
    await eventually('the event after the bugs', async () => (await total('after-typos')) === 1, {
      timeoutMs: 45_000,
    });
    expect((await deadLetters('probe.typo')).map((row) => row.event_id).sort()).toEqual(
      [...typos].sort(),
    );
    expect(leftAssignments).toEqual([]);
  });

  it('commits a batch in one transaction; a failing one is retried event by event, its bad event dead-lettered', async () => {
    await eventually('the first batch', async () => {
      const rows = (await dataSource.query(`SELECT 1 FROM "probe_items"`)) as unknown[];
      return rows.length === 5;
    });
    const firstBatch = (await dataSource.query(
      `SELECT DISTINCT "tx" FROM "probe_items"`,
    )) as unknown[];
    expect(firstBatch).toHaveLength(1);

    const poisonId = randomUUID();
    await send(
      ITEMS_TOPIC,
      envelope('item.listed', { label: 'f' }),
      envelope('item.listed', { label: 'g' }),
      envelope('item.listed', { label: 'poison' }, poisonId),
      envelope('item.listed', { label: 'h' }),
    );
    await eventually('the items after the poison', async () => {
      const rows = (await dataSource.query(
        `SELECT 1 FROM "probe_items" WHERE "label" = 'h'`,
      )) as unknown[];
      return rows.length === 1;
    });
    const labels = (await dataSource.query(
      `SELECT "label" FROM "probe_items" ORDER BY "label"`,
    )) as { label: string }[];
    expect(labels.map((row) => row.label)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect((await deadLetters('item.listed')).map((row) => row.event_id)).toEqual([poisonId]);
    expect(consumer('items').stats.failed).toBeGreaterThanOrEqual(1);
  });

  it('reports its lag by group and partition, and leaves its groups when the app closes', async () => {
    const { registry } = app.get(ServiceMetrics);
    const lag = await registry.getSingleMetricAsString('kafka_consumer_lag');
    expect(lag).toContain(`group="${config.kafkaGroupPrefix}.probes"`);
    expect(lag).toContain(`group="${config.kafkaGroupPrefix}.items"`);
    closed = true;
    await app.close();
    // Partitions it no longer reads have no lag of its own left to sum with their next reader's.
    expect(await registry.getSingleMetricAsString('kafka_consumer_lag')).not.toContain('group=');
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([
        `${config.kafkaGroupPrefix}.probes`,
        `${config.kafkaGroupPrefix}.items`,
      ]);
      expect(groups.map((group) => [group.state, group.members.length])).toEqual([
        ['Empty', 0],
        ['Empty', 0],
      ]);
    } finally {
      await admin.disconnect();
    }
  });
});
