/**
 * log-consumer: how fast it turns message events into the stats. The log-consumer runs
 * as a real process (tools/src/cluster) against its own database and topics.
 *
 * 1. Backlog: BACKLOG message events are written to chat.room-events while the
 *    log-consumer is stopped; it is started and timed until it has appended them all.
 * 2. Steady: RATE events/s for SECONDS; every 250 ms the lag is sampled as how long ago
 *    the event the consumer has just reached was produced.
 *
 *   node tools/run.js bench stats/run.ts      (Kafka and PostgreSQL must be up)
 *   BACKLOG=500000 RATE=5000 SECONDS=30
 */
import { randomUUID } from 'node:crypto';
import { CHAT_ROOM_EVENTS_TOPIC, ROOM_EVENT_TYPES } from '@scale-chat/contracts';
import {
  scrapeMetrics,
  runKafka,
  startChatCluster,
  sumOf,
  type ClusterProcess,
} from '@scale-chat/tools/cluster';
import { integer, parseEnv } from '@scale-chat/platform';
import { CompressionTypes, Partitioners, type Producer } from 'kafkajs';
import { percentile, printFigures, runBenchmark } from '../report';

const { BACKLOG, RATE, SECONDS } = parseEnv(process.env, {
  BACKLOG: integer({ min: 0, max: 100_000_000 }, { default: 500_000 }),
  RATE: integer({ min: 1, max: 1_000_000 }, { default: 5_000 }),
  SECONDS: integer({ min: 1, max: 3_600 }, { default: 30 }),
});

const WORDS = [
  'kafka',
  'partition',
  'consumer',
  'message',
  'chat',
  'room',
  'latency',
  'scale',
  '안녕하세요',
  '메시지',
  '채팅방',
  '파티션',
  '오늘',
  '서버',
  '사용자',
  '확장',
];
const ROOMS = Array.from({ length: 200 }, () => randomUUID());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function messageEvent(index: number): { key: string; value: string } {
  const roomId = ROOMS[index % ROOMS.length] ?? '';
  const body = Array.from({ length: 8 }, (_, n) => WORDS[(index * 7 + n * 3) % WORDS.length]).join(
    ' ',
  );
  const now = new Date().toISOString();
  return {
    key: roomId,
    value: JSON.stringify({
      id: randomUUID(),
      type: ROOM_EVENT_TYPES.messageSent,
      occurredAt: now,
      data: {
        message: {
          id: randomUUID(),
          roomId,
          seq: index + 1,
          senderId: ROOMS[(index + 1) % ROOMS.length],
          body,
          clientMsgId: String(index),
          createdAt: now,
        },
      },
    }),
  };
}

async function appended(logConsumer: ClusterProcess): Promise<number> {
  return sumOf(await scrapeMetrics(logConsumer.url), 'log_events_total', {
    type: 'message.sent',
  });
}

async function produce(producer: Producer, topic: string, from: number, count: number) {
  const messages = Array.from({ length: count }, (_, offset) => messageEvent(from + offset));
  await producer.send({ topic, acks: 1, compression: CompressionTypes.None, messages });
}

async function main(): Promise<void> {
  const cluster = await startChatCluster({ gateways: 0, logConsumer: true });
  const logConsumer = cluster.logConsumer;
  if (logConsumer === undefined) throw new Error('no log-consumer');
  const kafka = runKafka('stats-bench');
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const topic = `${cluster.topicPrefix}${CHAT_ROOM_EVENTS_TOPIC.name}`;
  try {
    // 1. The backlog, written while the consumer is down.
    await logConsumer.kill('SIGTERM');
    const writeStart = Date.now();
    for (let from = 0; from < BACKLOG; from += 5_000) {
      await produce(producer, topic, from, Math.min(5_000, BACKLOG - from));
    }
    const writeSeconds = (Date.now() - writeStart) / 1000;
    // Timed from the moment it is up (healthy: its consumer has joined the group).
    await logConsumer.start();
    const startedAt = Date.now();
    while ((await appended(logConsumer)) < BACKLOG) await sleep(250);
    const drainSeconds = (Date.now() - startedAt) / 1000;

    // 2. A steady rate, with the lag sampled as it goes.
    const producedAt: number[] = [];
    let produced = 0;
    const lags: number[] = [];
    const base = await appended(logConsumer);
    const steadyStart = Date.now();
    const sampler = setInterval(() => {
      appended(logConsumer).then(
        (count) => {
          const reached = count - base;
          const at = reached >= produced ? Date.now() : (producedAt[reached] ?? Date.now());
          lags.push((Date.now() - at) / 1000);
        },
        () => undefined,
      );
    }, 250);
    while (Date.now() - steadyStart < SECONDS * 1000) {
      const due = Math.floor(((Date.now() - steadyStart) / 1000) * RATE) - produced;
      if (due > 0) {
        const now = Date.now();
        for (let n = 0; n < due; n += 1) producedAt.push(now);
        await produce(producer, topic, BACKLOG + produced, due);
        produced += due;
      }
      await sleep(20);
    }
    clearInterval(sampler);
    while ((await appended(logConsumer)) - base < produced) await sleep(100);
    const steadySeconds = (Date.now() - steadyStart) / 1000;
    const sorted = [...lags].sort((a, b) => a - b);

    const rows: [string, string][] = [
      ['backlog written', `${BACKLOG.toLocaleString('en')} events in ${writeSeconds.toFixed(1)} s`],
      [
        'backlog drained (up to last appended)',
        `${drainSeconds.toFixed(1)} s, **${Math.round(BACKLOG / drainSeconds).toLocaleString('en')} events/s**`,
      ],
      [
        `steady ${RATE.toLocaleString('en')} events/s for ${SECONDS} s`,
        `${produced.toLocaleString('en')} produced, all appended ${(steadySeconds - SECONDS).toFixed(1)} s after the last`,
      ],
      [
        'lag while steady (p50 / p95 / max)',
        `${percentile(sorted, 50).toFixed(2)} s / ${percentile(sorted, 95).toFixed(2)} s / ${(sorted.at(-1) ?? NaN).toFixed(2)} s`,
      ],
    ];
    printFigures(rows);
  } finally {
    await producer.disconnect();
    await cluster.stop();
  }
}

runBenchmark(main);
