import type { Kafka, ProducerRecord } from 'kafkajs';
import { KafkaAdapter } from './kafka-adapter';
import { KafkaBus } from './kafka-bus';
import {
  decodeMessage,
  encodeMessage,
  MessageType,
  ResponseType,
  type ClusterMessage,
  type Unsent,
} from './messages';
import { resolveOptions, type KafkaAdapterOptions } from './options';

/*
 * The bus and the adapter against an in-memory topic (one partition, every consumer
 * reads every record, from the end), with Jest's fake clock: what records they write,
 * and what they make of the records others write, hostile ones among them.
 */

const TOPIC = 'test.socketio';

interface FakeRecord {
  key: string | null;
  value: Buffer | null;
  offset: string;
}

type EachBatch = (payload: {
  batch: { messages: FakeRecord[] };
  heartbeat: () => Promise<void>;
}) => Promise<void>;

type CrashListener = (event: { payload: { error: Error; restart: boolean } }) => void;

class FakeTopic {
  readonly records: FakeRecord[] = [];
  readonly consumers = new Set<FakeConsumer>();
  /** While the broker is stalled, what it was sent (it takes it when it resumes). */
  private stalled: (() => void)[] | undefined;

  append(value: Buffer, key: string | null = null): void {
    this.records.push({ key, value, offset: String(this.records.length) });
    for (const consumer of this.consumers) consumer.wake();
  }

  /** A produce request: taken at once, or when a stalled broker resumes. */
  produce(messages: ProducerRecord['messages']): Promise<void> {
    const take = () => {
      for (const { key, value } of messages) this.append(value as Buffer, key as string);
    };
    const stalled = this.stalled;
    if (stalled === undefined) {
      take();
      return Promise.resolve();
    }
    return new Promise((resolve) => stalled.push(() => (take(), resolve())));
  }

  /** The broker stops (SIGSTOP): nothing is written or read until `resume`. */
  stall(): void {
    this.stalled = [];
    for (const consumer of this.consumers) consumer.pause();
  }

  resume(): void {
    const stalled = this.stalled ?? [];
    this.stalled = undefined;
    for (const take of stalled) take();
    for (const consumer of this.consumers) consumer.resume();
  }

  /** What `uid` wrote, decoded. */
  writtenBy(uid: string): ClusterMessage[] {
    return this.records
      .map((record) => decodeMessage(record.value ?? Buffer.alloc(0)))
      .filter((message) => message.uid === uid);
  }
}

class FakeConsumer {
  readonly events = { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' };
  private readonly crashListeners: CrashListener[] = [];
  private eachBatch: EachBatch | undefined;
  private position = 0;
  private reading = false;
  private paused = false;

  constructor(private readonly topic: FakeTopic) {}

  connect = () => Promise.resolve();
  disconnect = () => {
    this.topic.consumers.delete(this);
    return Promise.resolve();
  };

  on(event: string, listener: CrashListener): () => void {
    if (event === this.events.CRASH) this.crashListeners.push(listener);
    return () => undefined;
  }

  subscribe(): Promise<void> {
    this.position = this.topic.records.length;
    return Promise.resolve();
  }

  run({ eachBatch }: { eachBatch: EachBatch }): Promise<void> {
    this.eachBatch = eachBatch;
    this.topic.consumers.add(this);
    this.wake();
    return Promise.resolve();
  }

  seek(): void {
    // The fake never restarts.
  }

  crash(error: Error, restart: boolean): void {
    for (const listener of this.crashListeners) listener({ payload: { error, restart } });
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake();
  }

  wake(): void {
    void Promise.resolve().then(() => this.drain());
  }

  private async drain(): Promise<void> {
    if (this.reading || this.paused || this.eachBatch === undefined) return;
    this.reading = true;
    try {
      while (!this.paused && this.position < this.topic.records.length) {
        const messages = this.topic.records.slice(this.position);
        this.position = this.topic.records.length;
        await this.eachBatch({ batch: { messages }, heartbeat: () => Promise.resolve() });
      }
    } finally {
      this.reading = false;
    }
  }
}

/** Kafka with one topic; `send` refuses every request when `brokerAway`. */
function fakeKafka(topic: FakeTopic, brokerAway = false) {
  const consumer = new FakeConsumer(topic);
  const connection = { connect: () => Promise.resolve(), disconnect: () => Promise.resolve() };
  const producer = {
    ...connection,
    send: ({ messages }: ProducerRecord) =>
      brokerAway ? Promise.reject(new Error('broker away')) : topic.produce(messages),
  };
  const admin = {
    ...connection,
    listTopics: () => Promise.resolve([TOPIC]),
    fetchTopicMetadata: () =>
      Promise.resolve({ topics: [{ name: TOPIC, partitions: [{ partitionId: 0, leader: 0 }] }] }),
    fetchTopicOffsets: () =>
      Promise.resolve([{ partition: 0, high: String(topic.records.length) }]),
    deleteGroups: () => Promise.resolve([]),
  };
  const kafka = {
    producer: () => producer,
    consumer: () => consumer,
    admin: () => admin,
  } as unknown as Kafka;
  return { kafka, consumer };
}

const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };

const elapse = (ms: number) => jest.advanceTimersByTimeAsync(ms);

function newBus(topic: FakeTopic, options: KafkaAdapterOptions = {}, brokerAway = false) {
  const { kafka, consumer } = fakeKafka(topic, brokerAway);
  const bus = new KafkaBus(kafka, resolveOptions({ topic: TOPIC, logger, ...options }));
  return { bus, consumer };
}

async function startBus(topic: FakeTopic, options: KafkaAdapterOptions = {}) {
  const started = newBus(topic, options);
  const starting = started.bus.start();
  await elapse(20);
  await starting;
  return started;
}

/** Another instance, or a stranger, writing to the topic with the sequence numbers it likes. */
function writer(topic: FakeTopic, uid: string) {
  let next = 0;
  return {
    write(message: Unsent<ClusterMessage>, seq = next++): void {
      topic.append(encodeMessage({ ...message, uid, seq } as ClusterMessage));
    },
    beat(): void {
      this.write({ type: MessageType.Heartbeat });
    },
  };
}

const everyone = { rooms: [], except: [] };

beforeEach(() => {
  jest.useFakeTimers();
  jest.clearAllMocks();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('KafkaBus.publish', () => {
  it('refuses a record that cannot be encoded with a rejection, counted and reported', async () => {
    const { bus } = await startBus(new FakeTopic());
    const reported = jest.fn();
    bus.on('publish_error', reported);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    for (const data of [{ big: 1n }, circular, { symbol: Symbol('s') }]) {
      let published: Promise<void> | undefined;
      expect(() => {
        published = bus.publish(
          { type: MessageType.ServerSideEmit, nsp: '/', args: ['e', data] },
          'k',
        );
      }).not.toThrow();
      await expect(published).rejects.toThrow('a ServerSideEmit record cannot be encoded');
    }
    expect(bus.stats.refused).toBe(3);
    expect(reported).toHaveBeenCalledTimes(3);
    expect(logger.error).toHaveBeenCalledTimes(3);
  });
});

describe('KafkaBus membership', () => {
  it('counts an instance in on its heartbeat only, not on any other record', async () => {
    const topic = new FakeTopic();
    const { bus } = await startBus(topic);
    const stranger = writer(topic, 'stranger');
    stranger.write({
      type: MessageType.Broadcast,
      nsp: '/',
      packet: { type: 2, nsp: '/' },
      opts: everyone,
    });
    stranger.write({ type: MessageType.SessionEnd, nsp: '/', pid: 'p' });
    stranger.write({ type: MessageType.Heartbeat, deaf: true });
    await elapse(1);
    expect(bus.serverCount()).toBe(1);
    expect(bus.stats.consumed).toBeGreaterThanOrEqual(3);
    stranger.beat();
    await elapse(1);
    expect(bus.peerIds()).toEqual(['stranger']);
  });

  it('checks liveness every second: a dead instance is gone within the heartbeat timeout and a second', async () => {
    const topic = new FakeTopic();
    const { bus } = await startBus(topic, { heartbeatInterval: 5_000, heartbeatTimeout: 10_000 });
    writer(topic, 'peer').write({ type: MessageType.InitialHeartbeat });
    await elapse(1);
    expect(bus.serverCount()).toBe(2);
    await elapse(9_900);
    expect(bus.serverCount()).toBe(2);
    await elapse(1_200);
    expect(bus.serverCount()).toBe(1);
  });
});

describe('KafkaBus and hostile sequence numbers', () => {
  it('skips a record in its own name that it did not write, and keeps hearing itself', async () => {
    const topic = new FakeTopic();
    const { bus } = await startBus(topic);
    writer(topic, bus.uid).write({ type: MessageType.Heartbeat }, 1e12);
    await elapse(25_000);
    expect(bus.health()).toMatchObject({ healthy: true });
    expect(bus.stats.duplicates).toBe(0);
    expect(bus.stats.malformed).toBe(1);
  });

  it('does not silence an instance after a record in its name with a huge seq', async () => {
    const topic = new FakeTopic();
    const { bus } = await startBus(topic);
    const peer = writer(topic, 'peer');
    peer.beat();
    peer.write({ type: MessageType.Heartbeat }, 1e12);
    for (let beat = 0; beat < 6; beat++) {
      peer.beat();
      await elapse(5_000);
    }
    expect(bus.peerIds()).toEqual(['peer']);
    expect(bus.stats.duplicates).toBe(0);
    // A record written again by a retried publish is still dropped.
    peer.write({ type: MessageType.Heartbeat }, 6);
    await elapse(1);
    expect(bus.stats.duplicates).toBe(1);
  });

  it('drops the records of a retried request, written again after their first copies', async () => {
    const topic = new FakeTopic();
    const { bus } = await startBus(topic);
    const peer = writer(topic, 'peer');
    const record = { type: MessageType.SessionEnd, nsp: '/', pid: 'p' } as const;
    for (const seq of [0, 1, 2, 3, 4, 2, 3, 4, 5, 6, 5]) peer.write(record, seq);
    await elapse(1);
    expect(bus.stats.duplicates).toBe(4);
  });

  it('loses no more than the one record whose number a stray record in its name took', async () => {
    const topic = new FakeTopic();
    const { bus } = await startBus(topic);
    const peer = writer(topic, 'peer');
    peer.beat();
    peer.write({ type: MessageType.SessionEnd, nsp: '/', pid: 'p' }, 3);
    for (let beat = 0; beat < 6; beat++) {
      peer.beat();
      await elapse(5_000);
    }
    expect(bus.peerIds()).toEqual(['peer']);
    expect(bus.stats.duplicates).toBe(1);
  });

  it("forgets a sender's sequence numbers once it has been silent for long", async () => {
    const topic = new FakeTopic();
    const { bus } = await startBus(topic);
    const stranger = writer(topic, 'stranger');
    const record = { type: MessageType.SessionEnd, nsp: '/', pid: 'p' } as const;
    stranger.write(record, 7);
    await elapse(60_000);
    stranger.write(record, 7);
    await elapse(1);
    expect(bus.stats.duplicates).toBe(1);
    await elapse(302_000);
    stranger.write(record, 7);
    await elapse(1);
    expect(bus.stats.duplicates).toBe(1);
  });

  it('survives records that are not cluster messages at all', async () => {
    const topic = new FakeTopic();
    const { bus } = await startBus(topic);
    topic.append(Buffer.from([0xc1]));
    topic.append(encodeMessage({ uid: 'x', seq: 1, type: 99 } as unknown as ClusterMessage));
    await elapse(1);
    expect(bus.stats.malformed).toBe(2);
    expect(bus.health()).toMatchObject({ healthy: true });
  });
});

describe('KafkaBus failing', () => {
  it('says goodbye and stops beating once its consumer has stopped for good', async () => {
    const topic = new FakeTopic();
    const { bus, consumer } = await startBus(topic);
    const beats = () =>
      topic.writtenBy(bus.uid).filter((message) => message.type === MessageType.Heartbeat).length;
    await elapse(10_000);
    consumer.crash(new Error('coordinator gone'), false);
    await elapse(1);
    expect(topic.writtenBy(bus.uid).at(-1)?.type).toBe(MessageType.Close);
    const before = beats();
    await elapse(30_000);
    expect(beats()).toBe(before);
    expect(bus.health()).toMatchObject({ healthy: false });
  });

  it('is dropped by the others while it cannot hear, and counted in again once it can', async () => {
    const topic = new FakeTopic();
    const { bus: deaf, consumer } = await startBus(topic);
    const { bus: other } = await startBus(topic);
    await elapse(1);
    expect(other.serverCount()).toBe(2);
    consumer.pause();
    await elapse(30_000);
    expect(deaf.health()).toMatchObject({ healthy: false });
    expect(topic.writtenBy(deaf.uid).at(-1)).toMatchObject({ deaf: true });
    expect(other.serverCount()).toBe(1);
    consumer.resume();
    await elapse(6_000);
    expect(deaf.health()).toMatchObject({ healthy: true });
    expect(other.serverCount()).toBe(2);
  });

  it('drops nobody after a broker stalled for everyone, and is healthy again at once', async () => {
    const topic = new FakeTopic();
    const options = { heartbeatInterval: 1_000, heartbeatTimeout: 3_000 };
    const buses = [(await startBus(topic, options)).bus, (await startBus(topic, options)).bus];
    const left = jest.fn();
    for (const bus of buses) bus.on('peer_left', left);
    await elapse(1);
    topic.stall();
    await elapse(10_000);
    expect(buses.map((bus) => bus.health().healthy)).toEqual([false, false]);
    topic.resume();
    await elapse(100);
    expect(buses.map((bus) => [bus.serverCount(), bus.health().healthy])).toEqual([
      [2, true],
      [2, true],
    ]);
    await elapse(10_000);
    expect(buses.map((bus) => bus.serverCount())).toEqual([2, 2]);
    expect(left).not.toHaveBeenCalled();
  });

  it('gives up starting after startTimeout, also while the broker refuses every record', async () => {
    const { bus } = newBus(new FakeTopic(), { startTimeout: 2_000 }, true);
    let outcome: unknown;
    bus.start().then(
      () => (outcome = 'started'),
      (error: unknown) => (outcome = error),
    );
    await elapse(3_000);
    expect(outcome).toEqual(
      new Error('did not read its own heartbeat back; is the consumer assigned?'),
    );
    expect(bus.health()).toMatchObject({ healthy: false });
  });
});

/** What `KafkaAdapter` reads of a Socket.IO socket. */
function localSocket(id: string, data: unknown) {
  return {
    id,
    pid: `pid-${id}`,
    data,
    rooms: new Set([id]),
    handshake: { auth: {}, sessionStore: {} },
    disconnect: jest.fn(),
    packet: jest.fn(),
  };
}

function adapterWith(bus: KafkaBus, sockets: ReturnType<typeof localSocket>[] = []) {
  const namespace = {
    name: '/',
    server: {
      opts: { connectionStateRecovery: { maxDisconnectionDuration: 120_000 } },
      encoder: {},
    },
    sockets: new Map(sockets.map((socket) => [socket.id, socket])),
    _onServerSideEmit: jest.fn(),
    on: jest.fn(),
  };
  const adapter = new KafkaAdapter(namespace, bus);
  for (const socket of sockets) adapter.addAll(socket.id, socket.rooms);
  return { adapter, namespace };
}

/** `socket.data` that msgpack cannot carry. */
function unencodableData(): unknown[] {
  const circular: Record<string, unknown> = { user: 'c' };
  circular['self'] = circular;
  return [{ user: 'b', balance: 10n }, circular];
}

describe('KafkaAdapter and a socket whose data cannot be encoded', () => {
  it("still writes every other socket's snapshot, and nothing throws", async () => {
    const topic = new FakeTopic();
    const { bus } = await startBus(topic);
    const [big, circular] = unencodableData();
    adapterWith(bus, [
      localSocket('bad-1', big),
      localSocket('bad-2', circular),
      localSocket('good', { user: 'g' }),
    ]);
    await elapse(1);
    const snapshots = topic
      .writtenBy(bus.uid)
      .flatMap((message) => (message.type === MessageType.Session ? [message.session] : []));
    expect(snapshots).toEqual([
      { sid: 'good', pid: 'pid-good', rooms: ['good'], data: { user: 'g' } },
    ]);
    expect(bus.stats.refused).toBe(2);
  });

  it('does not throw out of persistSession (inside Socket.IO closing the socket)', async () => {
    const { bus } = await startBus(new FakeTopic());
    const { adapter } = adapterWith(bus);
    const [big] = unencodableData();
    expect(() =>
      adapter.persistSession({ sid: 's', pid: 'p', rooms: ['s'], data: big }),
    ).not.toThrow();
    await elapse(1);
    expect(bus.stats.refused).toBe(1);
  });

  it('answers fetchSockets with the sockets that can travel', async () => {
    const topic = new FakeTopic();
    const { bus } = await startBus(topic);
    const [big, circular] = unencodableData();
    adapterWith(bus, [
      localSocket('bad-1', big),
      localSocket('good', { user: 'g' }),
      localSocket('bad-2', circular),
    ]);
    await elapse(1);
    writer(topic, 'peer').write({
      type: MessageType.FetchSockets,
      nsp: '/',
      opts: everyone,
      requestId: 'q1',
    });
    await elapse(1);
    const answer = topic
      .writtenBy(bus.uid)
      .find((message) => message.type === MessageType.Response);
    expect(answer).toMatchObject({
      requester: 'peer',
      requestId: 'q1',
      sockets: [{ id: 'good', handshake: { auth: {} }, rooms: ['good'], data: { user: 'g' } }],
    });
  });
});

describe('KafkaAdapter and hostile records', () => {
  it('drops a server-side emit of a reserved or missing event name', async () => {
    const topic = new FakeTopic();
    const { bus } = await startBus(topic);
    const { namespace } = adapterWith(bus);
    const peer = writer(topic, 'peer');
    for (const args of [
      ['error', 'boom'],
      ['newListener', 'x'],
      ['disconnect'],
      [42],
      [],
      ['hello', 1],
    ])
      peer.write({ type: MessageType.ServerSideEmit, nsp: '/', args });
    await elapse(1);
    expect(namespace._onServerSideEmit.mock.calls).toEqual([[['hello', 1]]]);
    expect(bus.stats.malformed).toBe(5);
  });

  it('refuses to send a server-side emit of a reserved event name', async () => {
    const { bus } = await startBus(new FakeTopic());
    const { adapter } = adapterWith(bus);
    expect(() => adapter.serverSideEmit(['disconnecting', 1])).toThrow(
      '"disconnecting" is a reserved event name',
    );
  });

  it('drops a fetchSockets answer whose sockets are not sockets, and waits for a real one', async () => {
    const topic = new FakeTopic();
    const { bus } = await startBus(topic);
    const { adapter } = adapterWith(bus);
    const peer = writer(topic, 'peer');
    peer.beat();
    await elapse(1);
    let outcome: unknown;
    adapter.fetchSockets({ rooms: new Set(), except: new Set() }).then(
      (sockets) => (outcome = sockets),
      (error: unknown) => (outcome = error),
    );
    await elapse(1);
    const request = topic
      .writtenBy(bus.uid)
      .find((message) => message.type === MessageType.FetchSockets);
    const answer = (sockets: unknown[]) =>
      peer.write({
        type: MessageType.Response,
        nsp: '/',
        requester: bus.uid,
        requestId: request?.type === MessageType.FetchSockets ? request.requestId : '',
        response: ResponseType.FetchSockets,
        sockets,
      } as Unsent<ClusterMessage>);
    answer([{ id: 'r1', rooms: 5 }]);
    await elapse(1);
    expect(outcome).toBeUndefined();
    expect(bus.stats.malformed).toBe(1);
    const real = { id: 'r1', handshake: {}, rooms: ['r1'], data: null };
    answer([real]);
    await elapse(1);
    expect(outcome).toEqual([real]);
  });
});
