/**
 * The floor under any Socket.IO adapter built on kafkajs and this broker: records
 * produced in one process and fetched in another, with no Socket.IO, no encoding and no
 * clients. Run as two child processes of run.ts, laid out as the adapter's emitter and
 * receiver are, and with the producer and consumer settings of the adapter's bus: plain
 * producer, one request in flight, whatever accumulates meanwhile sent as one request,
 * `acks=-1`; a consumer in a group of its own with a 250 ms fetch wait.
 *
 *   node -r @swc-node/register bench/adapter/kafka-floor.ts consume <brokers> <topic>
 *   node -r @swc-node/register bench/adapter/kafka-floor.ts produce <brokers> <topic>
 *
 * The consumer reports `ready` once it reads the topic, and on `report` the latencies it
 * saw; the producer sends `{ count, rate }` records on command, each its send time.
 */
import { eventuallyValue } from '@scale-chat/wait';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { nowMs } from './protocol';

export type FloorCommand = { type: 'emit'; count: number; rate: number } | { type: 'report' };
export type FloorReport =
  | { type: 'ready' }
  | { type: 'subscribed' }
  | { type: 'emitted' }
  | { type: 'latencies'; samples: number[] };

const send = (report: FloorReport) => process.send?.(report);

async function consume(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  // On a broker just started, kafkajs' own wait for leaders (`waitForLeaders`) can fail
  // with "This server does not host this topic-partition", which it does not retry. The
  // partition's leader answers for its offsets once it serves it.
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: false });
  await eventuallyValue(
    `topic ${topic} served`,
    () =>
      admin.fetchTopicOffsets(topic).then(
        () => 'served',
        (error: unknown) => String(error),
      ),
    (outcome) => outcome === 'served',
    30_000,
  );
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `floor-${topic}`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let samples: number[] = [];
  let ready = false;
  await consumer.run({
    autoCommit: false,
    eachBatch: ({ batch }) => {
      const now = nowMs();
      for (const record of batch.messages) {
        const sentAt = Number(record.value?.toString());
        // The producer's first record says it is connected; it is not a sample.
        if (sentAt < 0) {
          if (!ready) send({ type: 'ready' });
          ready = true;
        } else samples.push(now - sentAt);
      }
      return Promise.resolve();
    },
  });
  send({ type: 'subscribed' });
  process.on('message', (command: FloorCommand) => {
    if (command.type !== 'report') return;
    send({ type: 'latencies', samples });
    samples = [];
  });
}

async function produce(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer({
    idempotent: false,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const queue: string[] = [];
  let sending = false;
  const pump = async () => {
    if (sending) return;
    sending = true;
    while (queue.length > 0) {
      const batch = queue.splice(0, 500);
      await producer.send({ topic, acks: -1, messages: batch.map((value) => ({ value })) });
    }
    sending = false;
  };
  queue.push('-1');
  await pump();
  process.on('message', (command: FloorCommand) => {
    if (command.type !== 'emit') return;
    void emit(command.count, command.rate).then(() => send({ type: 'emitted' }));
  });

  async function emit(count: number, rate: number): Promise<void> {
    const started = nowMs();
    let sent = 0;
    while (sent < count) {
      const due = Math.floor(((nowMs() - started) * rate) / 1000) + 1;
      for (; sent < Math.min(due, count); sent++) queue.push(String(nowMs()));
      void pump();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}

async function main(): Promise<void> {
  const [role, brokers = '', topic = ''] = process.argv.slice(2);
  const kafka = new Kafka({
    clientId: `floor-${role}`,
    brokers: brokers.split(','),
    logLevel: logLevel.WARN,
  });
  if (role === 'consume') await consume(kafka, topic);
  else if (role === 'produce') await produce(kafka, topic);
  else throw new Error(`unknown role ${role}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
