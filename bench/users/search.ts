/**
 * User search at scale (`GET /api/users?query=`, API.md v1.1): auth booted in this process
 * on a fresh database (its own migrations, so the indexes are whatever the tree has), USERS
 * users seeded straight into its table (Latin usernames; display names Korean, Latin or
 * both), then `UsersRepository.search` timed ROUNDS times per needle: 1, 2, 3 and 5
 * characters, username-like and Korean, and two that match nothing (the worst case of a
 * scan). Prints p50/p95, the rows found and the plan (EXPLAIN ANALYZE) of each. It runs
 * on any commit that has `UsersRepository.searchQuery`, so a before/after is this file
 * run on two trees.
 *
 *   node tools/run.js bench users/search.ts     (Kafka and PostgreSQL must be up)
 *   USERS=200000 ROUNDS=30
 */
import { integer, parseEnv } from '@scale-chat/platform';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
// The benchmark boots auth's own module in this process to time its repository, so it
// imports them by path (the app exports no library).
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { authService } from '../../apps/auth/src/app.module';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { UsersRepository } from '../../apps/auth/src/users/users.repository';
import { percentile, printFigures, runBenchmark } from '../report';
import { withServiceInProcess } from '../service-in-process';

const { USERS, ROUNDS } = parseEnv(process.env, {
  USERS: integer({ min: 1_000, max: 5_000_000 }, { default: 200_000 }),
  ROUNDS: integer({ min: 1, max: 1_000 }, { default: 30 }),
});
/** A page, as the web app asks for one. */
const LIMIT = 20;

const sqlArray = (words: readonly string[]) =>
  `(ARRAY[${words.map((word) => `'${word}'`).join(', ')}])`;
const pick = (words: readonly string[]) =>
  `${sqlArray(words)}[1 + floor(random() * ${words.length})::int]`;

const LATIN_GIVEN = [
  ...['minji', 'jihoon', 'seoyeon', 'hyunwoo', 'jiwoo', 'yuna', 'doyun', 'eunji', 'sora'],
  ...['anna', 'james', 'maria', 'david', 'sarah', 'michael', 'emma', 'olivia', 'daniel'],
  ...['sophie', 'lucas', 'mina', 'kevin', 'grace', 'tom', 'julia', 'ben', 'chloe', 'alex'],
];
const LATIN_FAMILY = [
  ...['kim', 'lee', 'park', 'choi', 'jung', 'kang', 'cho', 'yoon', 'jang', 'lim', 'han'],
  ...['smith', 'brown', 'miller', 'garcia', 'martin', 'wilson', 'taylor', 'nguyen', 'chen'],
];
const KOREAN_FAMILY = [
  '김',
  '이',
  '박',
  '최',
  '정',
  '강',
  '조',
  '윤',
  '장',
  '임',
  '한',
  '오',
  '서',
];
const KOREAN_SYLLABLES = [
  ...['민', '지', '서', '현', '준', '우', '영', '수', '예', '은', '하', '윤', '도', '진'],
  ...['희', '재', '성', '혜', '연', '주', '아', '유', '나', '빈', '호', '원', '경', '소'],
];

/** USERS rows in batches: 95 % active, the rest pending or on their way out. */
async function seed(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SET search_path = auth');
    await client.query('SELECT setseed(0.42)');
    const given = pick(LATIN_GIVEN);
    const family = pick(LATIN_FAMILY);
    const korean = `${pick(KOREAN_FAMILY)} || ${pick(KOREAN_SYLLABLES)} || ${pick(KOREAN_SYLLABLES)}`;
    const capitalised = (word: string) => `initcap(${word})`;
    const batch = 50_000;
    for (let from = 0; from < USERS; from += batch) {
      await client.query(
        `INSERT INTO "users" ("id", "username", "display_name", "password_hash", "status")
         SELECT gen_random_uuid(), u.username || '_' || i, d.display_name, 'not a hash',
                CASE WHEN i % 20 = 0 THEN 'pending' WHEN i % 97 = 0 THEN 'deleting' ELSE 'active' END
           FROM generate_series($1::int, $2::int - 1) i,
                LATERAL (SELECT ${given} AS g, ${family} AS f, ${korean} AS k, random() AS r, random() AS s, i AS n) p,
                LATERAL (SELECT CASE WHEN p.s < 0.5 THEN p.g || '.' || p.f
                                     WHEN p.s < 0.8 THEN p.g || p.f
                                     ELSE p.f END AS username) u,
                LATERAL (SELECT CASE WHEN p.r < 0.35 THEN p.k
                                     WHEN p.r < 0.7 THEN ${capitalised('p.g')} || ' ' || ${capitalised('p.f')}
                                     WHEN p.r < 0.85 THEN p.k || ' ' || ${capitalised('p.f')}
                                     ELSE ${capitalised('p.g')} || ' ' || ${capitalised('p.f')} || ' ' || p.k
                                END AS display_name) d`,
        [from, Math.min(from + batch, USERS)],
      );
    }
    await client.query('ANALYZE "users"');
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  await withServiceInProcess(authService, async (auth, databaseUrl) => {
    const seedStarted = performance.now();
    await seed(databaseUrl);
    const seeded = ((performance.now() - seedStarted) / 1000).toFixed(1);
    const dataSource = auth.get(DataSource);
    const users = auth.get(UsersRepository);
    const [sizes] = (await dataSource.query(
      `SELECT pg_size_pretty(pg_table_size('users')) AS "table",
              pg_size_pretty(pg_indexes_size('users')) AS "indexes"`,
    )) as { table: string; indexes: string }[];
    const rows: [string, string][] = [
      ['users (5 % pending, 1 % deleting)', String(USERS)],
      ['seeding, with the indexes in place', `${seeded} s`],
      ['table / its indexes', `${sizes?.table} / ${sizes?.indexes}`],
    ];
    const needles = [
      ...['m', 'mi', 'min', 'minji', 'zzzzz'],
      ...['김', '김민', '김민지', '김민지 k', '없는이름이'],
    ];
    const plans: string[] = [];
    for (const needle of needles) {
      const found = (await users.search(needle, LIMIT)).length;
      for (let warm = 0; warm < 3; warm += 1) await users.search(needle, LIMIT);
      const took: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const started = performance.now();
        await users.search(needle, LIMIT);
        took.push(performance.now() - started);
      }
      took.sort((a, b) => a - b);
      const p50 = percentile(took, 50).toFixed(2);
      rows.push([
        `"${needle}" (${[...needle].length}): p50 / p95, rows`,
        `${p50} / ${percentile(took, 95).toFixed(2)} ms, ${found}`,
      ]);
      const [sql, parameters] = users.searchQuery(needle, LIMIT).getQueryAndParameters();
      const plan = (await dataSource.query(
        `EXPLAIN (ANALYZE, COSTS OFF, BUFFERS) ${sql}`,
        parameters,
      )) as { 'QUERY PLAN': string }[];
      plans.push(`\n"${needle}":\n${plan.map((line) => line['QUERY PLAN']).join('\n')}`);
    }
    process.stdout.write(`${plans.join('\n')}\n`);
    printFigures(rows);
  });
}

runBenchmark(main);
