/**
 * What storing a batch of sends costs, without sockets or Kafka in the way: one
 * chat-gateway booted in this process on a fresh database, its `MessagesService.send`
 * called SIZE times at once (the first send goes alone, the rest form the next batch:
 * group commit), in rounds until MESSAGES were sent per case. Cases: every send in one
 * room (a hot room: each batch locks one row), and sends spread over 200 rooms of 10.
 * Prints ms per round, µs per message, and CPU per message of PostgreSQL (its server and
 * backends, from /proc) and of this process (the gateway, and this loop). It runs on any
 * commit that has `MessagesService.send`, so a before/after is this file run in two
 * worktrees.
 *
 *   node tools/run.js bench chat/store-batch.ts     (Kafka and PostgreSQL must be up)
 *   SIZES=1,16,64,256 MESSAGES=4000
 */
import { randomUUID } from 'node:crypto';
import { LOCAL_DATABASE_URL } from '@scale-chat/contracts';
import { createServiceApp, integer, list, parseEnv } from '@scale-chat/platform';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
// The benchmark boots the gateway's own module in this process to time its service, so it
// imports them by path (the app exports no library).
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { chatGatewayService } from '../../apps/chat-gateway/src/app.module';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { MessagesService } from '../../apps/chat-gateway/src/messages/messages.service';
import { countCpu } from '../cpu';
import { percentile, runBenchmark } from '../report';

const { SIZES, MESSAGES } = parseEnv(process.env, {
  SIZES: list(/^[1-9]\d{0,3}$/, 'batch sizes', { default: ['1', '16', '64', '256'] }),
  MESSAGES: integer({ min: 1, max: 1_000_000 }, { default: 4_000 }),
});

const ROOMS = 200;
const ROOM_SIZE = 10;

async function main(): Promise<void> {
  const baseUrl = process.env['DATABASE_URL'] ?? LOCAL_DATABASE_URL;
  const database = `bench_${randomUUID().slice(0, 8)}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  const gateway = await createServiceApp(
    chatGatewayService,
    chatGatewayService.readConfig({
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: url.toString(),
      AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks',
      KAFKA_TOPIC_PREFIX: `${database}.`,
      KAFKA_GROUP_PREFIX: `${database}.chat-gateway`,
    }),
  );
  try {
    const dataSource = gateway.get(DataSource);
    const messages = gateway.get(MessagesService);
    const users = Array.from({ length: ROOMS * ROOM_SIZE }, () => randomUUID());
    const rooms: { id: string; members: string[] }[] = [];
    for (let room = 0; room < ROOMS; room += 1) {
      const id = randomUUID();
      const members = users.slice(room * ROOM_SIZE, (room + 1) * ROOM_SIZE);
      await dataSource.query(
        `INSERT INTO "rooms" ("id", "name", "owner_id", "status") VALUES ($1, 'bench', $2, 'active')`,
        [id, members[0]],
      );
      await dataSource.query(
        `INSERT INTO "room_members" ("room_id", "user_id", "role", "status")
         SELECT $1, u, 'member', 'active' FROM unnest($2::uuid[]) AS u`,
        [id, members],
      );
      rooms.push({ id, members });
    }
    const hot = rooms[0] as { id: string; members: string[] };

    process.stdout.write(
      '\n| case | sends at once | ms per round p50 / p95 | µs per message | CPU µs per message: PostgreSQL, this process (the gateway) |\n| --- | --- | --- | --- | --- |\n',
    );
    for (const [label, pick] of [
      [
        'one room',
        (index: number) => ({ roomId: hot.id, senderId: hot.members[index % ROOM_SIZE] }),
      ],
      [
        '200 rooms of 10',
        (index: number) => {
          const room = rooms[index % ROOMS] as { id: string; members: string[] };
          return { roomId: room.id, senderId: room.members[Math.floor(index / ROOMS) % ROOM_SIZE] };
        },
      ],
    ] as const) {
      for (const size of SIZES.map(Number)) {
        const rounds = Math.ceil(MESSAGES / size);
        const round = async (offset: number) => {
          await Promise.all(
            Array.from({ length: size }, (_, index) => {
              const { roomId, senderId } = pick(offset + index);
              return messages.send(
                senderId as string,
                roomId,
                randomUUID(),
                `message ${index} of a round`,
              );
            }),
          );
        };
        for (let warm = 0; warm < 5; warm += 1) await round(warm * size);
        const times: number[] = [];
        const cpu = countCpu([]);
        const started = performance.now();
        for (let index = 0; index < rounds; index += 1) {
          const begun = performance.now();
          await round(index * size);
          times.push(performance.now() - begun);
        }
        const elapsed = performance.now() - started;
        const { parts } = cpu();
        const perMessage = (part: string) =>
          (((parts[part]?.seconds ?? 0) * 1e6) / (rounds * size)).toFixed(0);
        times.sort((a, b) => a - b);
        const sent = rounds * size;
        process.stdout.write(
          `| ${label} | ${size} | ${percentile(times, 50).toFixed(2)} / ${percentile(times, 95).toFixed(2)} | ${((elapsed * 1000) / sent).toFixed(0)} | ${perMessage('postgresql')}, ${perMessage('load generator')} |\n`,
        );
      }
    }
  } finally {
    await gateway.close();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
}

runBenchmark(main);
