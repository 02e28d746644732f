/**
 * Message search at scale: MESSAGES messages (Korean and English) in ROOMS rooms, seeded
 * straight into the database of a real stack (auth, the orchestrator, one gateway; through
 * the API a million sends would take hours), then `GET /api/messages/search` timed over
 * HTTP, ROUNDS times per case: a caller in every room and one in a few, a common word, a
 * rare substring and none, Korean and English. Prints p50/p95 per case (the plans are in
 * docs/chat.md).
 *
 *   node tools/run.js bench search/run.ts      (Kafka and PostgreSQL must be up)
 *   MESSAGES=1000000 ROOMS=200 ROUNDS=20
 */
import { randomUUID } from 'node:crypto';
import { integer, parseEnv } from '@scale-chat/platform';
import { api, newUser, startChatCluster, type TestUser } from '@scale-chat/tools/cluster';
import { Client } from 'pg';
import { percentile, printFigures, runBenchmark } from '../report';

const { MESSAGES, ROOMS, ROUNDS } = parseEnv(process.env, {
  MESSAGES: integer({ min: 1_000, max: 10_000_000 }, { default: 1_000_000 }),
  ROOMS: integer({ min: 10, max: 10_000 }, { default: 200 }),
  ROUNDS: integer({ min: 1, max: 1_000 }, { default: 20 }),
});
/** Rooms of the "few rooms" caller. */
const FEW = 5;
const BATCH = 100_000;

/** Words of the bodies: each body is three of them and a random hex word. */
const WORDS = [
  ...['점심', '회의', '김치찌개', '배포', '오늘', '내일', '주말', '커피', '프로젝트', '버그'],
  ...['고객', '일정', 'lunch', 'meeting', 'deploy', 'release', 'coffee', 'weekend'],
  ...['project', 'bug', 'customer', 'schedule', 'review', 'budget'],
];

async function seed(databaseUrl: string, wide: TestUser, narrow: TestUser): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SET search_path = chat');
    await client.query(
      `INSERT INTO "rooms" ("id", "name", "owner_id", "status")
       SELECT gen_random_uuid(), 'bench ' || n, $1, 'active' FROM generate_series(1, $2) n`,
      [wide.userId, ROOMS],
    );
    await client.query(
      `INSERT INTO "room_members" ("room_id", "user_id", "role", "status")
       SELECT "id", $1, 'owner', 'active' FROM "rooms"`,
      [wide.userId],
    );
    await client.query(
      `INSERT INTO "room_members" ("room_id", "user_id", "role", "status")
       SELECT "id", $1, 'member', 'active' FROM "rooms" ORDER BY "id" LIMIT $2`,
      [narrow.userId, FEW],
    );
    const words = `(ARRAY[${WORDS.map((word) => `'${word}'`).join(', ')}])`;
    const pick = `${words}[1 + floor(random() * ${WORDS.length})::int]`;
    for (let from = 0; from < MESSAGES; from += BATCH) {
      const started = performance.now();
      // Spread evenly: message i goes to room i mod ROOMS, as its (i / ROOMS + 1)-th.
      await client.query(
        `WITH r AS (SELECT "id", row_number() OVER (ORDER BY "id") - 1 AS k FROM "rooms")
         INSERT INTO "messages" ("id", "room_id", "seq", "sender_id", "body", "client_msg_id", "created_at")
         SELECT gen_random_uuid(), r."id", i / $3 + 1, $4,
                ${pick} || ' ' || ${pick} || ' ' || ${pick} || ' ' || substr(md5(random()::text), 1, 8),
                'bench-' || i, now() - make_interval(secs => ($2 - i) / 10.0)
           FROM generate_series($1::bigint, $2::bigint - 1) i JOIN r ON r.k = i % $3`,
        [from, Math.min(from + BATCH, MESSAGES), ROOMS, wide.userId],
      );
      process.stdout.write(
        `seeded ${Math.min(from + BATCH, MESSAGES)} (${Math.round(performance.now() - started)} ms)\n`,
      );
    }
    await client.query(
      `UPDATE "rooms" r SET "last_seq" = (SELECT max("seq") FROM "messages" m WHERE m."room_id" = r."id")`,
    );
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

async function time(url: string, caller: TestUser, query: string): Promise<number[]> {
  const took: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const started = performance.now();
    const answer = await api(
      url,
      'GET',
      `/api/messages/search?query=${encodeURIComponent(query)}`,
      {
        token: caller.token,
      },
    );
    took.push(performance.now() - started);
    if (answer.status !== 200) throw new Error(`search ${query}: ${answer.status}`);
  }
  return took.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const cluster = await startChatCluster({ gateways: 1 });
  try {
    const tag = randomUUID().slice(0, 6);
    const wide = await newUser(cluster.auth.url, `wide_${tag}`);
    const narrow = await newUser(cluster.auth.url, `narrow_${tag}`);
    const seedStarted = performance.now();
    await seed(cluster.databaseUrl, wide, narrow);
    const seconds = ((performance.now() - seedStarted) / 1000).toFixed(0);
    const gateway = cluster.gateways[0]?.url ?? '';
    const cases: [string, TestUser, string][] = [
      [`${ROOMS} rooms, common Korean word "김치찌개"`, wide, '김치찌개'],
      [`${ROOMS} rooms, common English word "deploy"`, wide, 'deploy'],
      [`${ROOMS} rooms, rare substring (random hex)`, wide, 'c0ffee'],
      [`${ROOMS} rooms, Korean not found "없는말"`, wide, '없는말'],
      [`${ROOMS} rooms, two characters "점심"`, wide, '점심'],
      [`${FEW} rooms, common Korean word "김치찌개"`, narrow, '김치찌개'],
      [`${FEW} rooms, rare substring (random hex)`, narrow, 'c0ffee'],
    ];
    const rows: [string, string][] = [
      ['messages', String(MESSAGES)],
      ['seeding (with the indexes in place)', `${seconds} s`],
    ];
    for (const [label, caller, query] of cases) {
      const took = await time(gateway, caller, query);
      const p50 = percentile(took, 50).toFixed(1);
      rows.push([`${label}: p50 / p95`, `${p50} / ${percentile(took, 95).toFixed(1)} ms`]);
    }
    printFigures(rows);
  } finally {
    await cluster.stop();
  }
}

runBenchmark(main);
