import { eventually, eventuallyValue } from '@scale-chat/wait';
import { randomUUID } from 'node:crypto';
import {
  defineTopic,
  EVENT_HEADERS,
  LOCAL_KAFKA_BROKERS,
  sagaCommandId,
  type SagaCommand,
  type TopicSpec,
} from '@scale-chat/contracts';
import { Partitioners, type Consumer, type Producer } from 'kafkajs';
import { Client } from 'pg';
import pino from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { dataSourceOptions, migrateUnderLock } from '../database';
import { createKafkaClient } from '../kafka';
import { ensureTopics } from '../kafka/ensure-topics';
import { withCorrelationId } from '../logging';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { outboxIsEmpty } from '../testing/topic-log';
import { EventConsumer } from './event-consumer';
import { RetryLaterError, UnhandleableEventError, type EventHandler } from './event-handler';
import { discardDeadLetters, listDeadLetters, replayDeadLetters } from './dead-letters';
import { DeadLetterOncePerRecord1767900000000 } from './messaging.migration';
import { KafkaEventContext } from './event-routes';
import { enqueueEvent } from './outbox';
import { answerSagaCommand, type CommandHandlers } from './saga-participant';
import { outboxChannel, OutboxRelay, type OutboxRelayOptions } from './outbox-relay';

const logger = pino({ level: 'silent' });
const kafka = createKafkaClient({
  clientId: `messaging-test-${process.pid}`,
  brokers: process.env['KAFKA_BROKERS']?.split(',') ?? [...LOCAL_KAFKA_BROKERS],
  logger,
});
const SCHEMA = 'messaging_probe';

interface Received {
  key: string;
  id: string;
  type: string;
  correlationId: string | undefined;
  data: unknown;
}

jest.setTimeout(30_000);

describe('the outbox, its relay and the idempotent consumer', () => {
  let database: TestDatabase;
  const sources: DataSource[] = [];
  const relays: OutboxRelay[] = [];
  const readers: Consumer[] = [];
  const eventConsumers: EventConsumer[] = [];
  let producer: Producer;

  const dataSource = async (schema = SCHEMA): Promise<DataSource> => {
    const options = dataSourceOptions({
      databaseUrl: database.url,
      databaseSchema: schema,
      databasePoolSize: 4,
      instanceId: `messaging-${sources.length}`,
    });
    const source = await new DataSource(options).initialize();
    await migrateUnderLock(source, schema);
    sources.push(source);
    return source;
  };

  const startRelay = (
    source: DataSource,
    pollIntervalMs = 200,
    alongside?: OutboxRelayOptions['alongside'],
  ): OutboxRelay => {
    const relay = new OutboxRelay({
      dataSource: source,
      producer,
      schema: SCHEMA,
      logger,
      pollIntervalMs,
      ...(alongside === undefined ? {} : { alongside }),
    });
    relay.start();
    relays.push(relay);
    return relay;
  };

  /** A relay looking every 100 ms, telling `onPublished` each batch it publishes. */
  const startCountingRelay = (
    source: DataSource,
    onPublished: (count: number) => void,
    options: Partial<OutboxRelayOptions> = {},
  ): void => {
    const relay = new OutboxRelay({
      dataSource: source,
      producer,
      schema: SCHEMA,
      logger,
      pollIntervalMs: 100,
      onPublished,
      ...options,
    });
    relay.start();
    relays.push(relay);
  };

  /** Everything on `topic` from the beginning, as it arrives. */
  const readAll = async (topic: string): Promise<Received[]> => {
    const received: Received[] = [];
    const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
    readers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const envelope = JSON.parse(String(message.value)) as {
          id: string;
          type: string;
          data: unknown;
        };
        received.push({
          key: String(message.key),
          id: String(message.headers?.[EVENT_HEADERS.id]),
          type: String(message.headers?.[EVENT_HEADERS.type]),
          correlationId: message.headers?.[EVENT_HEADERS.correlationId]?.toString(),
          data: envelope.data,
        });
        return Promise.resolve();
      },
    });
    return received;
  };

  /**
   * Once the outbox is empty, relays a `probe.marker` on each of `keys` and waits until
   * `received` has them all: a key's records are read in the order written, so by then
   * everything the relay published before on those keys has been read, repeats included.
   * What was received, markers left out.
   */
  const readPast = async (
    source: DataSource,
    topic: TopicSpec,
    received: Received[],
    keys: readonly string[],
  ): Promise<Received[]> => {
    await eventually('everything relayed', () => outboxIsEmpty(source));
    await source.transaction(async (manager) => {
      for (const key of keys)
        await enqueueEvent(manager, { topic, key, type: 'probe.marker', data: {} });
    });
    await eventually('a marker on every key', () =>
      keys.every((key) =>
        received.some((event) => event.key === key && event.type === 'probe.marker'),
      ),
    );
    return received.filter((event) => event.type !== 'probe.marker');
  };

  /** An `alongside` that notes the `n` of each probe event on `topic` it is handed. */
  const handingTo =
    (handed: number[], topic: TopicSpec): NonNullable<OutboxRelayOptions['alongside']> =>
    (events) => {
      for (const event of events)
        if (event.topic === topic.name) handed.push((event.envelope.data as { n: number }).n);
      return Promise.resolve();
    };

  const newTopic = async (config?: Record<string, string>) => {
    const topic = defineTopic({
      name: `test.events-${randomUUID().slice(0, 8)}`,
      key: 'userId',
      partitions: 3,
      ...(config === undefined ? {} : { config }),
    });
    // As the services do: kafkajs' own wait for leaders gives up on a freshly formatted
    // broker that does not host a just-created topic yet.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [topic]);
    } finally {
      await admin.disconnect();
    }
    return topic;
  };

  /** A topic and a schema whose outbox relays three `probe.counted` events (n: 1, 2, 3) to it. */
  const threeEventsRelayed = async () => {
    const topic = await newTopic();
    const source = await dataSource();
    await source.transaction(async (manager) => {
      for (const n of [1, 2, 3])
        await enqueueEvent(manager, { topic, key: 'a', type: 'probe.counted', data: { n } });
    });
    startRelay(source);
    return { topic, source };
  };

  /** A consumer of `topic`'s `probe.counted` events in a group of its own, started. */
  const startProbeConsumer = async (
    source: DataSource,
    topic: TopicSpec,
    handle: EventHandler['handle'],
    maxAttempts?: number,
  ) => {
    const groupId = `probe-${randomUUID()}`;
    const consumer = new EventConsumer({
      kafka,
      dataSource: source,
      groupId,
      topics: [topic],
      ...(maxAttempts === undefined ? {} : { maxAttempts }),
      handlers: [{ type: 'probe.counted', parse: (data) => data, handle }],
      logger,
    });
    eventConsumers.push(consumer);
    await consumer.start();
    return { consumer, groupId };
  };

  /**
   * A batch consumer of `probe.counted` with a 6 s session, started; `assignments` counts
   * the partitions given to it (more than one: the group took them away meanwhile).
   */
  const startShortSessionBatchConsumer = async (
    source: DataSource,
    topic: TopicSpec,
    handleBatch: (items: readonly unknown[]) => Promise<void>,
  ) => {
    const consumer = new EventConsumer({
      kafka,
      dataSource: source,
      groupId: `probe-${randomUUID()}`,
      topics: [topic],
      sessionTimeoutMs: 6_000,
      batch: {
        types: ['probe.counted'],
        parse: (event) => (event.data as { n: number }).n,
        handleBatch,
      },
      logger,
    });
    let assignments = 0;
    consumer.onAssignment((assignment) => {
      if (assignment !== undefined) assignments += 1;
    });
    eventConsumers.push(consumer);
    await consumer.start();
    return { consumer, assignments: () => assignments };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await Promise.all(readers.splice(0).map((reader) => reader.disconnect()));
    await Promise.all(eventConsumers.splice(0).map((consumer) => consumer.stop()));
    for (const source of sources)
      await source.query('TRUNCATE "outbox", "processed_messages", "dead_letters"');
  });

  afterAll(async () => {
    await producer.disconnect();
    await Promise.all(sources.map((source) => source.destroy()));
    await database.drop();
  });

  it('relays committed events in order per key with their headers; a rolled-back one never leaves', async () => {
    const topic = await newTopic();
    const source = await dataSource();
    await source.transaction(async (manager) => {
      for (const [key, n] of [
        ['a', 1],
        ['b', 2],
        ['a', 3],
      ] as const) {
        await enqueueEvent(manager, {
          topic,
          key,
          type: 'probe.happened',
          data: { n },
          correlationId: 'corr-1',
        });
      }
    });
    await expect(
      source.transaction(async (manager) => {
        await enqueueEvent(manager, { topic, key: 'a', type: 'probe.happened', data: { n: 4 } });
        throw new Error('the change fails');
      }),
    ).rejects.toThrow('the change fails');

    startRelay(source);
    const received = await readPast(source, topic, await readAll(topic.name), ['a', 'b']);
    expect(received.filter((event) => event.key === 'a').map((event) => event.data)).toEqual([
      { n: 1 },
      { n: 3 },
    ]);
    expect(received.filter((event) => event.key === 'b').map((event) => event.data)).toEqual([
      { n: 2 },
    ]);
    expect(received).toHaveLength(3);
    expect(
      received.every(
        (event) => event.type === 'probe.happened' && event.correlationId === 'corr-1',
      ),
    ).toBe(true);
  });

  /**
   * Commits `count` events of 12 KB (4,000 Korean characters) on one key, so one
   * partition, starts a relay, and checks that every one arrives, in order.
   */
  const relaysLongEventsInOrder = async (topic: TopicSpec, count: number) => {
    const source = await dataSource();
    const body = '가'.repeat(4_000);
    await source.transaction(async (manager) => {
      for (let n = 1; n <= count; n += 1)
        await enqueueEvent(manager, { topic, key: 'a', type: 'probe.happened', data: { n, body } });
    });

    startRelay(source);
    const received = await readAll(topic.name);
    await eventually(`all ${count} events`, () => received.length >= count, 30_000);
    expect(received.map((event) => (event.data as { n: number }).n)).toEqual(
      Array.from({ length: count }, (_, index) => index + 1),
    );
    await eventually('each row deleted once Kafka had it', () => outboxIsEmpty(source));
  };

  it('relays more than the broker takes in one request (message.max.bytes) in several, in order', async () => {
    // 3.6 MB, where the broker refuses a record batch over 1 MiB for good (MESSAGE_TOO_LARGE).
    await relaysLongEventsInOrder(await newTopic(), 300);
  });

  it("relays in smaller batches to a topic whose max.message.bytes is below the relay's own cap", async () => {
    // The broker takes 8 of them at once, not 30.
    await relaysLongEventsInOrder(await newTopic({ 'max.message.bytes': '100000' }), 30);
  });

  it('deletes the rows a relay of the earlier release marked published, and never publishes them again', async () => {
    const topic = await newTopic();
    const source = await dataSource();
    const commit = (n: number) =>
      source.transaction((manager) =>
        enqueueEvent(manager, { topic, key: 'k', type: 'probe.happened', data: { n } }),
      );
    await commit(1);
    // What a relay before 2026-12-05 left after publishing it: the row, marked.
    await source.query('UPDATE "outbox" SET "published_at" = now()');
    await commit(2);
    startRelay(source);
    const received = await readAll(topic.name);
    await eventually('both rows gone', () => outboxIsEmpty(source));
    await eventually('the unmarked event', () => received.length >= 1);
    // Rows go out in outbox order, so a repeat of the marked one would have come first.
    expect(received.map((event) => event.data)).toEqual([{ n: 2 }]);
  });

  it('publishes each event once with two relays on one schema (one leads, one waits)', async () => {
    const topic = await newTopic();
    const [first, second] = [await dataSource(), await dataSource()];
    startRelay(first);
    startRelay(second);
    for (let batch = 0; batch < 10; batch++) {
      await first.transaction(async (manager) => {
        for (let n = 0; n < 10; n++) {
          await enqueueEvent(manager, {
            topic,
            key: `k${n}`,
            type: 'probe.happened',
            data: { n: batch * 10 + n },
          });
        }
      });
    }
    const keys = Array.from({ length: 10 }, (_, n) => `k${n}`);
    const received = await readPast(first, topic, await readAll(topic.name), keys);
    expect(received).toHaveLength(100);
    expect(new Set(received.map((event) => event.id)).size).toBe(100);
  });

  it('stops relaying once the connection that holds its lock is gone, and another relay takes over', async () => {
    const topic = await newTopic();
    const [first, second] = [await dataSource(), await dataSource()];
    const published = { first: 0, second: 0 };
    const relay = (source: DataSource, name: keyof typeof published) =>
      startCountingRelay(source, (count) => (published[name] += count));
    const commit = (n: number) =>
      first.transaction((manager) =>
        enqueueEvent(manager, { topic, key: 'k', type: 'probe.happened', data: { n } }),
      );
    relay(first, 'first');
    await commit(1);
    await eventually('the first relay leads', () => published.first === 1);
    relay(second, 'second');

    // Its lock's backend ends (an operator's pg_terminate_backend, a cut connection); the
    // first relay would go on through its pool, beside the second once that takes over.
    const [holder] = (await first.query(
      `SELECT "pid" FROM pg_stat_activity WHERE "datname" = current_database() AND "query" = $1`,
      [`LISTEN "${outboxChannel(SCHEMA)}"`],
    )) as { pid: number }[];
    expect(holder).toBeDefined();
    await first.query('SELECT pg_terminate_backend($1)', [holder?.pid]);
    await commit(2);
    await commit(3);

    await eventually('the second relay took over', () => published.second === 2, 10_000);
    expect(published.first).toBe(1);
  });

  it('does not hand `alongside` a batch it read before its lead passed to another relay', async () => {
    const topic = await newTopic();
    const [first, second] = [await dataSource(), await dataSource()];
    const handed = { first: [] as number[], second: [] as number[] };
    const lockLost: string[] = [];
    const relay = (source: DataSource, name: keyof typeof handed) => {
      const started = new OutboxRelay({
        dataSource: source,
        producer,
        schema: SCHEMA,
        // What the first relay says when it finds its lead gone.
        logger: pino(
          { level: 'warn' },
          {
            write: (line: string) => {
              if (line.includes("the outbox lock's connection was lost")) lockLost.push(name);
            },
          },
        ),
        pollIntervalMs: 100,
        alongside: handingTo(handed[name], topic),
      });
      started.start();
      relays.push(started);
    };
    await first.transaction((manager) =>
      enqueueEvent(manager, { topic, key: 'k', type: 'probe.happened', data: { n: 1 } }),
    );
    // The first relay's reads that find rows come back only when the test says so: a
    // leader that stopped running right after reading a batch.
    let resume: (() => void) | undefined;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    let stalledReads = 0;
    const stalling = Object.create(first) as DataSource;
    stalling.query = async <T>(query: string, parameters?: unknown[]): Promise<T> => {
      const rows = await first.query<T>(query, parameters);
      if (query.trimStart().startsWith('SELECT "position"') && (rows as unknown[]).length > 0) {
        stalledReads += 1;
        await resumed;
      }
      return rows;
    };
    try {
      relay(stalling, 'first');
      await eventually('the first relay read its batch', () => stalledReads > 0);

      // Meanwhile its lock's connection is ended (as a relay that found it silent does)
      // and the second relay leads, relaying that row and the next.
      const holder = await eventuallyValue(
        "the first relay's lock connection",
        async () =>
          (
            (await first.query(
              `SELECT l."pid" FROM pg_locks l
                WHERE l."locktype" = 'advisory' AND l."granted"
                  AND l."database" = (SELECT "oid" FROM pg_database WHERE "datname" = current_database())`,
            )) as { pid: number }[]
          )[0],
        (row) => row !== undefined,
      );
      await first.query('SELECT pg_terminate_backend($1)', [holder?.pid]);
      relay(second, 'second');
      await eventually('the second relay handed the row', () => handed.second.length === 1, 10_000);
      await second.transaction((manager) =>
        enqueueEvent(manager, { topic, key: 'k', type: 'probe.happened', data: { n: 2 } }),
      );
      await eventually(
        'the second relay handed the next',
        () => handed.second.length === 2,
        10_000,
      );
    } finally {
      resume?.();
    }
    await eventually('the first relay found its lead gone', () => lockLost.includes('first'));
    // Its stale batch ([1], after 2) never reaches the sockets.
    expect(handed).toEqual({ first: [], second: [1, 2] });
  });

  it('takes the lead from a holder silent for longer than leaderSilenceMs, never from one that beats', async () => {
    const topic = await newTopic();
    const source = await dataSource();
    // A leader that cannot run (stopped, frozen, cut off): its connection holds the lock
    // and says nothing more. Its kernel would still answer TCP, so PostgreSQL keeps it.
    const frozen = new Client({ connectionString: database.url });
    // Ended by the relay: its connection's error, and then its end.
    const frozenEnded = new Promise<void>((resolve) => {
      frozen.on('error', () => resolve());
      frozen.on('end', () => resolve());
    });
    await frozen.connect();
    await frozen.query('SELECT pg_advisory_lock(hashtext($1))', [`outbox:${SCHEMA}`]);
    const published = { first: 0, second: 0 };
    const relay = (name: keyof typeof published) =>
      startCountingRelay(source, (count) => (published[name] += count), {
        leaderSilenceMs: 1_500,
      });
    relay('first');
    await source.transaction((manager) =>
      enqueueEvent(manager, { topic, key: 'k', type: 'probe.happened', data: { n: 1 } }),
    );
    await eventually('the relay took the lead and published', () => published.first === 1, 20_000);
    await frozenEnded;

    // A leader that runs says a word on its lock's connection now and then, however long
    // the outbox stays empty: the second relay, as quick to end a silent one, waits.
    relay('second');
    const lockHolder = async () =>
      (
        (await source.query(
          `SELECT a."pid", a."state_change" AS "spoke" FROM pg_stat_activity a
            WHERE a."datname" = current_database() AND a."query" IN ('SELECT 1', $1)`,
          [`LISTEN "${outboxChannel(SCHEMA)}"`],
        )) as { pid: number; spoke: Date }[]
      )[0];
    const before = await eventuallyValue(
      'the leader speaks',
      lockHolder,
      (row) => row !== undefined,
    );
    // Past the silence the second relay would end it at, the same leader still speaks.
    await eventually(
      'the leader spoke for longer than leaderSilenceMs',
      async () => {
        const now = await lockHolder();
        if (now === undefined || before === undefined) return false;
        return now.pid === before.pid && now.spoke.getTime() - before.spoke.getTime() > 3_000;
      },
      20_000,
    );
    await source.transaction((manager) =>
      enqueueEvent(manager, { topic, key: 'k', type: 'probe.happened', data: { n: 2 } }),
    );
    await eventually('the first relay published again', () => published.first === 2, 20_000);
    expect(published.second).toBe(0);
  });

  it('hands each batch to `alongside` in outbox order, and counts a batch published only once that succeeded too', async () => {
    const topic = await newTopic();
    const source = await dataSource();
    const handed: number[] = [];
    let failuresLeft = 1;
    startRelay(source, 200, (events) => {
      const numbers = events
        .filter((event) => event.topic === topic.name)
        .map((event) => (event.envelope.data as { n: number }).n);
      if (numbers.length > 0 && failuresLeft > 0) {
        failuresLeft -= 1;
        return Promise.reject(new Error('the broadcast failed'));
      }
      handed.push(...numbers);
      return Promise.resolve();
    });
    const received = await readAll(topic.name);
    await source.transaction(async (manager) => {
      for (const n of [1, 2, 3])
        await enqueueEvent(manager, { topic, key: `k${n}`, type: 'probe.happened', data: { n } });
    });
    await eventually('the batch handed over after its failure', () => handed.length >= 3, 10_000);
    expect(handed).toEqual([1, 2, 3]);
    // Kafka took the failed batch too: its rows stayed unpublished and went out again.
    await eventually('both publishes in Kafka', () => received.length >= 6, 10_000);
    await eventually('each row deleted once Kafka had it', () => outboxIsEmpty(source));
  });

  it('lets a failed batch finish what it handed `alongside` before it gives the batch up, and does not hand those rows again', async () => {
    const topic = await newTopic();
    const source = await dataSource();
    // Kafka refuses the first publish while the first broadcast is still on its way.
    let refusals = 1;
    const flakyProducer = Object.create(producer) as Producer;
    flakyProducer.sendBatch = (batch) =>
      refusals-- > 0 ? Promise.reject(new Error('Kafka is away')) : producer.sendBatch(batch);
    const tries: { settled: boolean }[] = [];
    let finishFirst: (() => void) | undefined;
    // When the relay gave the batch up (it logs that, then tries the rows again), was
    // the first broadcast done? A try that overlapped it would take its rows for done.
    const firstSettledAtFailure: boolean[] = [];
    const watching = pino(
      { level: 'warn' },
      {
        write: (line: string) => {
          if (line.includes('outbox relay failed'))
            firstSettledAtFailure.push(tries[0]?.settled ?? false);
        },
      },
    );
    const relay = new OutboxRelay({
      dataSource: source,
      producer: flakyProducer,
      schema: SCHEMA,
      logger: watching,
      pollIntervalMs: 100,
      alongside: async () => {
        const attempt = { settled: false };
        tries.push(attempt);
        if (tries.length === 1) await new Promise<void>((resolve) => (finishFirst = resolve));
        attempt.settled = true;
      },
    });
    relay.start();
    relays.push(relay);
    await source.transaction((manager) =>
      enqueueEvent(manager, { topic, key: 'k', type: 'probe.happened', data: { n: 1 } }),
    );
    await eventually(
      'the publish refused mid-broadcast',
      () => refusals < 1 && finishFirst !== undefined,
    );
    finishFirst?.();
    await eventually('the rows out on a second try', () => outboxIsEmpty(source), 10_000);
    expect(firstSettledAtFailure).toEqual([true]);
    // The broadcast was done; the try of the same rows again only publishes them.
    expect(tries).toEqual([{ settled: true }]);
  });

  it('hands `alongside` a row committed late below rows it handed in a try Kafka refused, and those rows not again', async () => {
    const topic = await newTopic();
    const source = await dataSource();
    const probe = (manager: EntityManager, n: number) =>
      enqueueEvent(manager, { topic, key: `k${n}`, type: 'probe.happened', data: { n } });
    // Row 1 takes its outbox position first and commits last; row 2 commits first.
    const late = source.createQueryRunner();
    await late.connect();
    await late.startTransaction();
    await probe(late.manager, 1);
    await source.transaction((manager) => probe(manager, 2));
    // Kafka refuses the first publish (row 2 alone), and row 1 commits meanwhile.
    let refusals = 1;
    const flakyProducer = Object.create(producer) as Producer;
    flakyProducer.sendBatch = async (batch) => {
      if (refusals-- <= 0) return producer.sendBatch(batch);
      await late.commitTransaction();
      throw new Error('Kafka is away');
    };
    const handed: number[] = [];
    const relay = new OutboxRelay({
      dataSource: source,
      producer: flakyProducer,
      schema: SCHEMA,
      logger,
      pollIntervalMs: 100,
      alongside: handingTo(handed, topic),
    });
    relay.start();
    relays.push(relay);
    try {
      await eventually('both rows out', () => outboxIsEmpty(source), 10_000);
    } finally {
      await late.release();
    }
    expect(handed).toEqual([2, 1]);
  });

  it('relays a row committed while it publishes at once, woken by its notification rather than its poll', async () => {
    const topic = await newTopic();
    const source = await dataSource();
    // A producer that holds the first batch until the second row is committed, so that
    // row is committed mid-batch.
    let publishing: (() => void) | undefined;
    let secondCommitted = () => undefined as void;
    const held = new Promise<void>((resolve) => (secondCommitted = resolve));
    const slowProducer = Object.create(producer) as Producer;
    slowProducer.sendBatch = async (batch) => {
      publishing?.();
      await held;
      return producer.sendBatch(batch);
    };
    // It would look on its own only after a minute: each row must come from a wake-up.
    const relay = new OutboxRelay({
      dataSource: source,
      producer: slowProducer,
      schema: SCHEMA,
      logger,
      pollIntervalMs: 60_000,
    });
    relay.start();
    relays.push(relay);
    const received = await readAll(topic.name);
    const firstBatchStarted = new Promise<void>((resolve) => (publishing = resolve));
    const commit = (n: number) =>
      source.transaction((manager) =>
        enqueueEvent(manager, { topic, key: 'k', type: 'probe.happened', data: { n } }),
      );
    await commit(1);
    await firstBatchStarted;
    await commit(2);
    secondCommitted();
    await eventually('both events', () => received.length >= 2, 10_000);
    expect(received.map((event) => event.data)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("notifies a commit on its own schema's channel, and on the shared one for an earlier release's relays", async () => {
    const topic = await newTopic();
    const [own, other] = [await dataSource(), await dataSource('messaging_other')];
    const listener = new Client({ connectionString: database.url });
    await listener.connect();
    try {
      const heard: { channel: string; payload: string | undefined }[] = [];
      listener.on('notification', ({ channel, payload }) => heard.push({ channel, payload }));
      await listener.query(`LISTEN "${outboxChannel(SCHEMA)}"`);
      await listener.query('LISTEN outbox');
      const commit = (source: DataSource) =>
        source.transaction((manager) =>
          enqueueEvent(manager, { topic, key: 'k', type: 'probe.happened', data: {} }),
        );
      // Notifications arrive in commit order: the other schema's, on this schema's channel,
      // would come before this schema's own.
      await commit(other);
      await commit(own);
      await eventually('the own channel notified', () =>
        heard.some(({ channel }) => channel === outboxChannel(SCHEMA)),
      );
      expect(heard).toEqual([
        { channel: 'outbox', payload: 'messaging_other' },
        { channel: outboxChannel(SCHEMA), payload: '' },
        { channel: 'outbox', payload: SCHEMA },
      ]);
    } finally {
      await listener.end();
    }
  });

  it('keeps one dead letter per record: repeats kept by the earlier release go, a different record at the same place stays', async () => {
    const source = await dataSource();
    const migration = new DeadLetterOncePerRecord1767900000000();
    const runner = source.createQueryRunner();
    // As `migrateUnderLock` runs a migration: in a transaction of its own.
    const migrateUp = async () => {
      await runner.startTransaction();
      await migration.up(runner);
      await runner.commitTransaction();
    };
    try {
      await migration.down(runner);
      const keep = async (offset: string, value: string | null) =>
        (
          (await source.query(
            `INSERT INTO "dead_letters" ("consumer", "topic", "partition", "offset", "value", "error")
           VALUES ('probe', 'test.events', 0, $1, $2, 'not JSON') RETURNING "id"`,
            [offset, value === null ? null : Buffer.from(value)],
          )) as { id: string }[]
        )[0]?.id;
      // What the earlier release kept for records read three times, and for a topic made
      // again (its offsets start at 0 again) whose record at offset 0 differs.
      const ids: (string | undefined)[] = [];
      for (const [offset, value] of [
        ['0', 'one'],
        ['0', 'one'],
        ['1', null],
        ['1', null],
        ['0', 'one'],
        ['0', 'two'],
      ] as const)
        ids.push(await keep(offset, value));
      await migrateUp();
      const kept = (await source.query(
        `SELECT "id", "offset", convert_from("value", 'UTF8') AS "value" FROM "dead_letters" ORDER BY "id"`,
      )) as { id: string; offset: string; value: string | null }[];
      expect(kept.map(({ offset, value }) => ({ offset, value }))).toEqual([
        { offset: '0', value: 'one' },
        { offset: '1', value: null },
        { offset: '0', value: 'two' },
      ]);
      expect(kept.map(({ id }) => id)).toEqual([ids[0], ids[2], ids[5]]);
      await expect(keep('1', null)).rejects.toThrow(/UQ_dead_letters_record/);
    } finally {
      // The tests after this one need the index, whatever happened here.
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await source.query('DELETE FROM "dead_letters"');
      const [index] = (await source.query(
        `SELECT 1 FROM pg_indexes
          WHERE schemaname = current_schema() AND indexname = 'UQ_dead_letters_record'`,
      )) as unknown[];
      if (index === undefined) await migrateUp();
      await runner.release();
    }
  });

  it('acts on each event once, through repeats from a relay that died before deleting its rows and a group read again, and keeps each malformed record once', async () => {
    const topic = await newTopic();
    const source = await dataSource();
    await source.query(
      'CREATE TABLE IF NOT EXISTS "effects" ("event_id" uuid PRIMARY KEY, "n" int NOT NULL)',
    );
    await source.transaction(async (manager) => {
      for (const n of [1, 2, 3])
        await enqueueEvent(manager, { topic, key: 'a', type: 'probe.counted', data: { n } });
    });
    const written = (await source.query(
      'SELECT "event_id", "topic", "key", "envelope", "headers" FROM "outbox" ORDER BY "position"',
    )) as unknown[];
    const relay = startRelay(source);
    await eventually('first publication', () => outboxIsEmpty(source));
    // What a relay that died between publishing and deleting leaves behind:
    await relay.stop();
    await source.query(
      `INSERT INTO "outbox" ("event_id", "topic", "key", "envelope", "headers")
       SELECT "event_id", "topic", "key", "envelope", "headers"
         FROM json_populate_recordset(NULL::"outbox", $1::json)`,
      [JSON.stringify(written)],
    );
    startRelay(source);
    const ofType = (type: string) =>
      JSON.stringify({ id: randomUUID(), type, occurredAt: new Date().toISOString(), data: {} });
    const [sent] = await producer.send({
      topic: topic.name,
      messages: [
        { key: 'a', value: 'not json' },
        {
          key: 'a',
          value: JSON.stringify({
            id: 'not-a-uuid',
            type: 'probe.counted',
            occurredAt: new Date().toISOString(),
            data: {},
          }),
        },
        {
          key: 'a',
          value: JSON.stringify({
            id: randomUUID(),
            type: 'probe.counted',
            occurredAt: new Date().toISOString(),
            data: { n: 'seven' },
          }),
        },
        // Two of a type this release does not know, one of a type it knows (the contracts')
        // that the group does not handle.
        { key: 'a', value: ofType('someone.elses') },
        { key: 'a', value: ofType('someone.elses') },
        { key: 'a', value: ofType('reaction.added') },
      ],
    });
    const logged: Record<string, unknown>[] = [];
    const watching = pino(
      { level: 'debug' },
      { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) },
    );

    const counted: EventHandler<{ n: number }> = {
      type: 'probe.counted',
      parse: (data) => {
        const n = (data as { n?: unknown }).n;
        if (typeof n !== 'number') throw new Error('n is not a number');
        return { n };
      },
      handle: async (event, manager) => {
        await manager.query('INSERT INTO "effects" ("event_id", "n") VALUES ($1, $2)', [
          event.id,
          event.data.n,
        ]);
      },
    };
    const groupId = `probe-${randomUUID()}`;
    const startConsumer = async () => {
      const consumer = new EventConsumer({
        kafka,
        dataSource: source,
        groupId,
        topics: [topic],
        handlers: [counted],
        logger: watching,
      });
      eventConsumers.push(consumer);
      await consumer.start();
      return consumer;
    };
    // Six events (three of them repeats), three malformed records, three of other types.
    // Kafka delivers at least once: a record read again is counted again, acted on once.
    const readAll = (consumer: EventConsumer) =>
      eventually(
        'every record',
        () =>
          consumer.stats.processed + consumer.stats.duplicates >= 6 &&
          consumer.stats.malformed >= 3 &&
          consumer.stats.ignored >= 3,
      );
    const consumer = await startConsumer();
    await readAll(consumer);
    expect(consumer.stats).toMatchObject({ processed: 3, failed: 0 });
    // Each type once, with where its first record is: a warning for the type nothing in
    // this release handles (a step of a saga renamed in a rolling update, say), debug for
    // the one the group leaves by design.
    const firstOfType = (index: number) => ({
      consumer: groupId,
      topic: topic.name,
      partition: sent?.partition,
      offset: String(Number(sent?.baseOffset) + index),
    });
    expect(
      logged.filter(({ msg }) => /^(skipping|keeping) events of a type/.test(String(msg))),
    ).toEqual([
      expect.objectContaining({
        level: 40,
        type: 'someone.elses',
        msg: 'keeping events of a type this release does not know in dead_letters',
        ...firstOfType(3),
      }),
      expect.objectContaining({ level: 20, type: 'reaction.added', ...firstOfType(5) }),
    ]);
    const effects = (await source.query('SELECT "n" FROM "effects" ORDER BY "n"')) as {
      n: number;
    }[];
    expect(effects.map((row) => row.n)).toEqual([1, 2, 3]);

    // The group reads the topic again from its start: nothing is acted on twice, and each
    // malformed record stays one dead letter.
    await consumer.stop();
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.resetOffsets({ groupId, topic: topic.name, earliest: true });
    } finally {
      await admin.disconnect();
    }
    const again = await startConsumer();
    await readAll(again);
    expect(again.stats).toMatchObject({ processed: 0, failed: 0 });
    const letters = (await source.query(
      `SELECT "error" FROM "dead_letters" WHERE "consumer" = $1 ORDER BY "id"`,
      [groupId],
    )) as { error: string }[];
    // And each record of the type this release does not know, for a release that does.
    expect(letters.map((letter) => letter.error)).toEqual([
      expect.stringMatching(/JSON/i),
      expect.stringMatching(/id/),
      'Error: n is not a number',
      'unknown event type someone.elses',
      'unknown event type someone.elses',
    ]);
  });

  it.each<[string, (manager: EntityManager) => Promise<unknown>]>([
    [
      'the database cannot take now (its connection ended under it, 57P01)',
      (manager) => manager.query('SELECT pg_terminate_backend(pg_backend_pid())'),
    ],
    [
      'its handler says to retry later (RetryLaterError)',
      () => Promise.reject(new RetryLaterError('a dependency is away')),
    ],
  ])(
    'retries an event %s for as long as that lasts, past maxAttempts, and never skips it',
    async (_, fail) => {
      const topic = await newTopic();
      const source = await dataSource();
      await source.transaction((manager) =>
        enqueueEvent(manager, { topic, key: 'a', type: 'probe.counted', data: { n: 1 } }),
      );
      startRelay(source);
      let attempts = 0;
      const { consumer, groupId } = await startProbeConsumer(
        source,
        topic,
        async (_event, manager) => {
          attempts += 1;
          if (attempts <= 3) await fail(manager);
        },
        2,
      );
      await eventually(
        'the event',
        () => consumer.stats.processed + consumer.stats.failed >= 1,
        25_000,
      );
      expect(attempts).toBe(4);
      expect(consumer.stats).toMatchObject({ processed: 1, failed: 0 });
      expect(
        await source.query('SELECT 1 FROM "dead_letters" WHERE "consumer" = $1', [groupId]),
      ).toEqual([]);
    },
  );

  it('keeps an event it gives up on in dead_letters, the record as read and why, and goes on', async () => {
    const topic = await newTopic();
    const source = await dataSource();
    await source.transaction(async (manager) => {
      for (const n of [1, 2])
        await enqueueEvent(manager, { topic, key: 'a', type: 'probe.counted', data: { n } });
    });
    // The relay deletes the rows it publishes: the first event's id is read before it runs.
    const [first] = (await source.query(
      `SELECT "envelope"->>'id' AS id FROM "outbox" WHERE "envelope"->'data'->>'n' = '1'`,
    )) as { id: string }[];
    startRelay(source);
    const { consumer, groupId } = await startProbeConsumer(
      source,
      topic,
      (event) =>
        (event.data as { n: number }).n === 1
          ? Promise.reject(new Error('the handler has a bug'))
          : Promise.resolve(),
      2,
    );
    await eventually('both events', () => consumer.stats.failed + consumer.stats.processed >= 2);
    // A record read again is tried again (and counted again); processed means applied.
    expect(consumer.stats.processed).toBe(1);
    expect(consumer.stats.failed).toBeGreaterThanOrEqual(1);
    const letters = (await source.query(
      `SELECT "consumer", "topic", "event_id", "type", "value", "error" FROM "dead_letters"`,
    )) as {
      consumer: string;
      topic: string;
      event_id: string;
      type: string;
      value: Buffer;
      error: string;
    }[];
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      consumer: groupId,
      topic: topic.name,
      event_id: first?.id,
      type: 'probe.counted',
      error: 'the handler has a bug',
    });
    expect(JSON.parse(letters[0]?.value.toString('utf8') ?? '{}')).toMatchObject({
      id: first?.id,
      data: { n: 1 },
    });
  });

  it('keeps records PostgreSQL could not store as read (a NUL in the type or a header name) as dead letters, and goes on', async () => {
    const topic = await newTopic();
    const source = await dataSource();
    const handled: number[] = [];
    const { consumer } = await startProbeConsumer(source, topic, (event) => {
      handled.push((event.data as { n: number }).n);
      return Promise.resolve();
    });
    const event = (type: string, n: number) =>
      JSON.stringify({ id: randomUUID(), type, occurredAt: new Date().toISOString(), data: { n } });
    await producer.send({
      topic: topic.name,
      messages: [
        { key: 'a', value: event('probe.counted\u0000', 1) },
        { key: 'a', value: 'not json', headers: { 'trace\u0000id': 'x\u0000y', kept: 'yes' } },
        { key: 'a', value: event('probe.counted', 3) },
      ],
    });
    // Each of the first two once stopped the partition: its dead letter could not be stored.
    await eventually('the event after them', () => handled.includes(3));
    const letters = (await source.query(
      `SELECT "type", "error", "headers" FROM "dead_letters" ORDER BY "offset"`,
    )) as { type: string | null; error: string; headers: Record<string, string> }[];
    expect(letters).toEqual([
      { type: null, error: 'type is not a name', headers: {} },
      { type: null, error: 'not JSON', headers: { traceid: 'xy', kept: 'yes' } },
    ]);
    expect(consumer.stats.processed).toBe(1);
  });

  it('keeps an event its handler calls unhandleable in dead_letters at its first try, and goes on', async () => {
    const topic = await newTopic();
    const source = await dataSource();
    await source.transaction(async (manager) => {
      for (const n of [1, 2])
        await enqueueEvent(manager, { topic, key: 'a', type: 'probe.counted', data: { n } });
    });
    startRelay(source);
    const tries: number[] = [];
    const { consumer } = await startProbeConsumer(
      source,
      topic,
      (event) => {
        const { n } = event.data as { n: number };
        tries.push(n);
        return n === 1
          ? Promise.reject(new UnhandleableEventError('no release of ours knows this'))
          : Promise.resolve();
      },
      5,
    );
    await eventually('the second event handled', () => consumer.stats.processed >= 1);
    // A record read again is tried again; here none was, as nothing was thrown back to Kafka.
    expect(tries).toEqual([1, 2]);
    const letters = (await source.query(`SELECT "error" FROM "dead_letters"`)) as {
      error: string;
    }[];
    expect(letters).toEqual([{ error: 'no release of ours knows this' }]);
  });

  it('publishes a dead letter again as read (key, headers, value), and the group that gave it up handles it then; a discarded one goes', async () => {
    const topic = await newTopic();
    const source = await dataSource();
    const received = await readAll(topic.name);
    await withCorrelationId('corr-replayed-1', () =>
      source.transaction(async (manager) => {
        for (const n of [1, 2])
          await enqueueEvent(manager, {
            topic,
            key: `room-${n}`,
            type: 'probe.counted',
            data: { n },
          });
      }),
    );
    startRelay(source);
    let broken = true;
    const handled: number[] = [];
    await startProbeConsumer(source, topic, (event) => {
      if (broken) return Promise.reject(new UnhandleableEventError('no handler for it yet'));
      handled.push((event.data as { n: number }).n);
      return Promise.resolve();
    });
    const letters = await eventuallyValue(
      'both kept as dead letters',
      () => listDeadLetters(source),
      (kept) => kept.length === 2,
    );
    expect(letters.map(({ topic: name, type, error }) => ({ name, type, error }))).toEqual([
      { name: topic.name, type: 'probe.counted', error: 'no handler for it yet' },
      { name: topic.name, type: 'probe.counted', error: 'no handler for it yet' },
    ]);
    const kept = (await source.query(
      `SELECT "id", "key", "headers" FROM "dead_letters" ORDER BY "id"`,
    )) as { id: string; key: Buffer; headers: Record<string, string> }[];
    expect(kept.map((row) => row.key.toString())).toEqual(
      expect.arrayContaining(['room-1', 'room-2']),
    );
    for (const row of kept)
      expect(row.headers[EVENT_HEADERS.correlationId]).toBe('corr-replayed-1');

    // Its release knows how now: the operator publishes one again and gives up the other.
    broken = false;
    const replayed = kept.find((row) => row.key.toString() === 'room-1')?.id ?? '';
    const dropped = kept.find((row) => row.key.toString() === 'room-2')?.id ?? '';
    expect(await replayDeadLetters(source, producer, [replayed, '999999999'])).toEqual({
      replayed: [replayed],
      refused: [],
    });
    expect(await discardDeadLetters(source, [dropped])).toEqual([dropped]);
    await eventually('the replayed event handled', () => handled.length === 1);
    expect(handled).toEqual([1]);
    expect(await listDeadLetters(source)).toEqual([]);
    // On the topic again as it was: its key (so its partition), its headers, its value.
    await eventually(
      'both copies read',
      () => received.filter((event) => event.key === 'room-1').length >= 2,
    );
    const [original, copy] = received.filter((event) => event.key === 'room-1');
    expect(copy).toEqual(original);
  });

  it('refuses to publish again a letter kept longer than its consumers remember, or kept without its key, unless told to', async () => {
    const topic = await newTopic();
    const source = await dataSource();
    const received = await readAll(topic.name);
    const keep = async (key: string | null, age: string) => {
      const value = JSON.stringify({ id: randomUUID(), type: 'probe.counted', data: { n: 1 } });
      const [row] = (await source.query(
        `INSERT INTO "dead_letters" ("consumer", "topic", "partition", "offset", "type", "value",
           "error", "key", "headers", "failed_at")
         VALUES ('probe', $1, 0, $2, 'probe.counted', $3, 'kept by the test', $4, $5,
                 now() - $6::interval)
         RETURNING "id"`,
        [
          topic.name,
          String(Math.random()),
          Buffer.from(value),
          key === null ? null : Buffer.from(key),
          key === null ? null : {},
          age,
        ],
      )) as { id: string }[];
      return row?.id ?? '';
    };
    const old = await keep('k-old', '7 days');
    const keyless = await keep(null, '1 hour');
    const outcome = await replayDeadLetters(source, producer, [old, keyless]);
    expect(outcome.replayed).toEqual([]);
    expect(outcome.refused.map(({ id, why }) => [id, why.split(':')[0]])).toEqual([
      [old, 'kept longer than 6 days'],
      [keyless, 'kept without its key (before 2026-12-07)'],
    ]);
    expect((await listDeadLetters(source)).map(({ id }) => id)).toEqual([old, keyless]);
    expect(
      await replayDeadLetters(source, producer, [old, keyless], {
        evenIfOld: true,
        withoutKey: true,
      }),
    ).toEqual({ replayed: [old, keyless], refused: [] });
    await eventually('both on the topic', () => received.length === 2);
    expect(await listDeadLetters(source)).toEqual([]);
  });

  it('makes an undo wait for a copy of its step still under way, and undo what that did', async () => {
    const source = await dataSource();
    await source.query(`CREATE TABLE IF NOT EXISTS "probe_profiles" ("id" uuid PRIMARY KEY)`);
    const handlers: CommandHandlers = {
      'probe.create': async (command, manager) => {
        await manager.query(`INSERT INTO "probe_profiles" VALUES ($1) ON CONFLICT DO NOTHING`, [
          command.sagaId,
        ]);
        return { outcome: 'succeeded' };
      },
      'probe.delete': async (command, manager) => {
        await manager.query(`DELETE FROM "probe_profiles" WHERE "id" = $1`, [command.sagaId]);
        return { outcome: 'succeeded' };
      },
    };
    const sagaId = randomUUID();
    const command = (name: string, kind: SagaCommand['kind']): SagaCommand => ({
      sagaId,
      commandId: sagaCommandId(sagaId, 1, kind),
      sagaType: 'signup',
      kind,
      participant: 'chat-gateway',
      name,
      payload: {},
    });
    const context = (manager: EntityManager) =>
      new KafkaEventContext([manager, { logger, afterCommit: () => undefined }, () => undefined]);
    // A copy of the step (published again, say) whose transaction is still open when the
    // undo comes: the undo must not find nothing to undo and then let it commit.
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let stepRan = false;
    const step = source.transaction(async (manager) => {
      await answerSagaCommand(handlers, command('probe.create', 'execute'), context(manager));
      stepRan = true;
      await held;
    });
    await eventually('the step ran, not yet committed', () => stepRan);
    const undo = source.transaction((manager) =>
      answerSagaCommand(handlers, command('probe.delete', 'compensate'), context(manager)),
    );
    await eventually('the undo waiting for a lock', async () => {
      const [{ waiting } = { waiting: 0 }] = (await source.query(
        `SELECT count(*)::int AS waiting FROM pg_locks WHERE NOT granted`,
      )) as { waiting: number }[];
      return waiting > 0;
    });
    release();
    await Promise.all([step, undo]);
    expect(
      await source.query(`SELECT "id" FROM "probe_profiles" WHERE "id" = $1`, [sagaId]),
    ).toEqual([]);
  });

  describe('forgetting processed events', () => {
    const remember = (source: DataSource, consumer: string, topic: string | null, age: string) =>
      source
        .query(
          `INSERT INTO "processed_messages" ("consumer", "message_id", "topic", "processed_at")
           VALUES ($1, $2, $3, now() - $4::interval) RETURNING "message_id" AS id`,
          [consumer, randomUUID(), topic, age],
        )
        .then((rows: { id: string }[]) => rows[0]?.id ?? '');
    const remembered = (source: DataSource, consumer: string) =>
      source
        .query(`SELECT "message_id" AS id FROM "processed_messages" WHERE "consumer" = $1`, [
          consumer,
        ])
        .then((rows: { id: string }[]) => rows.map(({ id }) => id).sort());
    const sorted = (...ids: string[]) => [...ids].sort();

    it("forgets by itself what each topic's retention no longer keeps, and nothing else", async () => {
      // Retention and segment time of a minute each: kept for 2 min plus a day's margin.
      const short = await newTopic({ 'retention.ms': '60000', 'segment.ms': '60000' });
      const forGood = await newTopic({ 'retention.ms': '-1' });
      const source = await dataSource();
      const groupId = `probe-${randomUUID()}`;
      const consumer = new EventConsumer({
        kafka,
        dataSource: source,
        groupId,
        topics: [short, forGood],
        handlers: [
          { type: 'probe.counted', parse: (data) => data, handle: () => Promise.resolve() },
        ],
        logger,
      });
      eventConsumers.push(consumer);
      await consumer.start();
      const old = await remember(source, groupId, short.name, '2 days');
      const kept = [
        await remember(source, groupId, short.name, '23 hours'),
        await remember(source, groupId, forGood.name, '400 days'),
        // An earlier release's row: the topic kept for good could have repeated it.
        await remember(source, groupId, null, '400 days'),
      ];
      const othersOld = await remember(source, 'another-group', short.name, '2 days');
      await source.transaction((manager) =>
        enqueueEvent(manager, { topic: short, key: 'a', type: 'probe.counted', data: { n: 1 } }),
      );
      startRelay(source);
      await eventually('the event handled', () => consumer.stats.processed >= 1);
      await eventually(
        'the old event forgotten',
        async () => !(await remembered(source, groupId)).includes(old),
      );
      const left = await remembered(source, groupId);
      expect(left).toHaveLength(4);
      expect(left).toEqual(expect.arrayContaining(kept));
      expect(await remembered(source, 'another-group')).toEqual([othersOld]);
    });

    it("goes by the broker's retention for a topic without its own, and keeps what a topic the group committed on may repeat", async () => {
      const source = await dataSource();
      // The test broker keeps records 7 days and rolls segments after 7 days.
      const plain = await newTopic();
      const forGood = await newTopic({ 'retention.ms': '-1' });
      // The group read `forGood` before (another release of it, say), and now reads `plain`.
      const groupId = `probe-${randomUUID()}`;
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.setOffsets({
          groupId,
          topic: forGood.name,
          partitions: [{ partition: 0, offset: '0' }],
        });
      } finally {
        await admin.disconnect();
      }
      const consumer = new EventConsumer({
        kafka,
        dataSource: source,
        groupId,
        topics: [plain],
        handlers: [
          { type: 'probe.counted', parse: (data) => data, handle: () => Promise.resolve() },
        ],
        logger,
      });
      eventConsumers.push(consumer);
      await consumer.start();
      await remember(source, groupId, plain.name, '16 days');
      const kept = [
        await remember(source, groupId, plain.name, '14 days'),
        await remember(source, groupId, forGood.name, '400 days'),
        await remember(source, groupId, null, '400 days'),
      ];
      expect(await consumer.forgetProcessedEvents()).toBe(1);
      expect(await remembered(source, groupId)).toEqual(sorted(...kept));

      // A group that reads only `plain`: an earlier release's row goes by its retention too.
      const { consumer: alone, groupId: aloneId } = await startProbeConsumer(source, plain, () =>
        Promise.resolve(),
      );
      await remember(source, aloneId, null, '16 days');
      const within = await remember(source, aloneId, null, '14 days');
      expect(await alone.forgetProcessedEvents()).toBe(1);
      expect(await remembered(source, aloneId)).toEqual([within]);
    });

    it('remembers a copy read again from when it was read, so it is kept as long as that copy can come back', async () => {
      const topic = await newTopic();
      const source = await dataSource();
      await source.transaction((manager) =>
        enqueueEvent(manager, { topic, key: 'a', type: 'probe.counted', data: { n: 1 } }),
      );
      const [event] = (await source.query(`SELECT "envelope"->>'id' AS id FROM "outbox"`)) as {
        id: string;
      }[];
      const handled: unknown[] = [];
      const { consumer, groupId } = await startProbeConsumer(source, topic, (each) => {
        handled.push(each.data);
        return Promise.resolve();
      });
      // The first copy was read 20 days ago (past the 15 days this topic needs); this is
      // a copy a relay published again.
      await source.query(
        `INSERT INTO "processed_messages" ("consumer", "message_id", "topic", "processed_at")
         VALUES ($1, $2, NULL, now() - interval '20 days')`,
        [groupId, event?.id],
      );
      startRelay(source);
      await eventually('the copy read', () => consumer.stats.duplicates >= 1);
      expect(handled).toEqual([]);
      expect(await consumer.forgetProcessedEvents()).toBe(0);
      const rows = (await source.query(
        `SELECT "topic", "processed_at" > now() - interval '1 hour' AS "fresh"
           FROM "processed_messages" WHERE "consumer" = $1`,
        [groupId],
      )) as { topic: string; fresh: boolean }[];
      expect(rows).toEqual([{ topic: topic.name, fresh: true }]);
    });
  });

  it("runs a handler's after-commit effects once its transaction commits, never for an attempt that rolled back", async () => {
    const { topic, source } = await threeEventsRelayed();
    const afterCommit: number[] = [];
    let attemptsAtTwo = 0;
    const { consumer } = await startProbeConsumer(source, topic, (event, _manager, context) => {
      const { n } = event.data as { n: number };
      context.afterCommit(() => afterCommit.push(n));
      if (n === 2 && ++attemptsAtTwo === 1) throw new Error('the first attempt fails');
      return Promise.resolve();
    });
    await eventually('three events', () => consumer.stats.processed >= 3);
    // Processed is counted inside the transaction; its effects run once it has committed.
    await eventually('the last effect', () => afterCommit.includes(3));
    expect(attemptsAtTwo).toBe(2);
    expect(afterCommit).toEqual([1, 2, 3]);
  });

  it('keeps its partitions through a failed batch taken apart for longer than its session', async () => {
    // Eight events, each taking a second one by one once their batch failed: past the 6 s
    // session, unless the consumer tells the group it lives between them.
    const topic = await newTopic();
    const source = await dataSource();
    await source.transaction(async (manager) => {
      for (const n of [1, 2, 3, 4, 5, 6, 7, 8])
        await enqueueEvent(manager, { topic, key: 'a', type: 'probe.counted', data: { n } });
    });
    await eventually('all eight in the outbox', async () => {
      const [{ rows } = { rows: 0 }] = (await source.query(
        `SELECT count(*)::int AS rows FROM "outbox"`,
      )) as { rows: number }[];
      return rows === 8;
    });
    const handled: number[] = [];
    const { consumer, assignments } = await startShortSessionBatchConsumer(
      source,
      topic,
      async (items) => {
        if (items.length > 1) throw new Error('the batch fails as a whole');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        handled.push(...(items as number[]));
      },
    );
    startRelay(source);
    await eventually('eight events handled', () => handled.length >= 8, 60_000);
    // Committed: a member the group had dropped meanwhile could not commit, and would get
    // the batch again (each event handled twice, the partition given out once more).
    expect(await consumer.caughtUp()).toBe(true);
    expect(handled).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(assignments()).toBe(1);
  });

  it('keeps its partitions through a batch of dead letters that takes longer than its session', async () => {
    // Eight records that are no events, each dead letter taking a second to store (a
    // trigger): past the 6 s session, unless the consumer tells the group it lives.
    const topic = await newTopic();
    const source = await dataSource();
    await source.query(`
      CREATE FUNCTION "slow_dead_letter"() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN PERFORM pg_sleep(1); RETURN NEW; END $$`);
    await source.query(`
      CREATE TRIGGER "slow_dead_letter" BEFORE INSERT ON "dead_letters"
        FOR EACH ROW EXECUTE FUNCTION "slow_dead_letter"()`);
    try {
      await producer.send({
        topic: topic.name,
        messages: Array.from({ length: 8 }, (_, n) => ({ key: 'a', value: `not json ${n}` })),
      });
      const { consumer, assignments } = await startShortSessionBatchConsumer(source, topic, () =>
        Promise.resolve(),
      );
      await eventually('the eight kept and committed', () => consumer.caughtUp(), 60_000);
      const [{ letters } = { letters: 0 }] = (await source.query(
        `SELECT count(*)::int AS letters FROM "dead_letters"`,
      )) as { letters: number }[];
      expect(letters).toBe(8);
      expect(assignments()).toBe(1);
    } finally {
      await source.query(`DROP TRIGGER "slow_dead_letter" ON "dead_letters"`);
      await source.query(`DROP FUNCTION "slow_dead_letter"()`);
    }
  });

  it("runs a batch handler's after-commit effects once its batch commits, never for one rolled back", async () => {
    const { topic, source } = await threeEventsRelayed();
    const afterCommit: number[] = [];
    let attempts = 0;
    const consumer = new EventConsumer({
      kafka,
      dataSource: source,
      groupId: `probe-${randomUUID()}`,
      topics: [topic],
      batch: {
        types: ['probe.counted'],
        parse: (event) => (event.data as { n: number }).n,
        handleBatch: (items, _manager, after) => {
          after(() => afterCommit.push(...(items as number[])));
          // The first batch rolls back; its events are then handled one by one.
          attempts += 1;
          return attempts === 1
            ? Promise.reject(new Error('the first attempt fails'))
            : Promise.resolve();
        },
      },
      logger,
    });
    eventConsumers.push(consumer);
    await consumer.start();
    await eventually('three events', () => consumer.stats.processed >= 3);
    expect(attempts).toBeGreaterThan(1);
    expect([...afterCommit].sort()).toEqual([1, 2, 3]);
  });
});
