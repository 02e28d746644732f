/**
 * `GET /api/stats/top-words?window=24h` under dashboards polling it: the log-consumer
 * booted in this process on a fresh database, its `word_counts` seeded with MINUTES
 * minutes of WORDS distinct words each (a day of a busy chat), then:
 *
 * - one read of each window, timed ROUNDS times (`StatsRepository.topWords`, the query);
 * - DASHBOARDS callers asking for the 24-hour window at once, through the repository (one
 *   query each, as `StatsService` did before its answers were shared) and through
 *   `StatsService` (its `SharedAnswers`), side by side, with PostgreSQL's CPU for each
 *   (`/proc`, the server on `DATABASE_URL`'s port and its backends).
 *
 *   node tools/run.js bench stats/top-words.ts     (Kafka and PostgreSQL must be up)
 *   MINUTES=1440 WORDS=2000 ROUNDS=5 DASHBOARDS=20
 */
import { integer, parseEnv } from '@scale-chat/platform';
import { DataSource } from 'typeorm';
// The benchmark boots the log-consumer's own module in this process to time its
// repository and service, so it imports them by path (the app exports no library).
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { logConsumerService } from '../../apps/log-consumer/src/app.module';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { StatsRepository } from '../../apps/log-consumer/src/stats/stats.repository';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { StatsService } from '../../apps/log-consumer/src/stats/stats.service';
import { countCpu } from '../cpu';
import { percentile, printFigures, runBenchmark } from '../report';
import { withServiceInProcess } from '../service-in-process';

const { MINUTES, WORDS, ROUNDS, DASHBOARDS } = parseEnv(process.env, {
  MINUTES: integer({ min: 1, max: 1_440 }, { default: 1_440 }),
  WORDS: integer({ min: 1, max: 100_000 }, { default: 2_000 }),
  ROUNDS: integer({ min: 1, max: 100 }, { default: 5 }),
  DASHBOARDS: integer({ min: 1, max: 1_000 }, { default: 20 }),
});
const DAY_SECONDS = 86_400;

async function main(): Promise<void> {
  await withServiceInProcess(logConsumerService, async (app) => {
    const dataSource = app.get(DataSource);
    const repository = app.get(StatsRepository);
    const service = app.get(StatsService);
    await dataSource.query(
      `INSERT INTO "word_counts" ("minute", "word", "count")
       SELECT date_trunc('minute', now()) - make_interval(mins => m), 'word' || w, 1 + (random() * 5)::int
         FROM generate_series(0, $1::int - 1) m, generate_series(1, $2::int) w`,
      [MINUTES, WORDS],
    );
    await dataSource.query('ANALYZE "word_counts"');
    const rows: [string, string][] = [['word_counts rows', String(MINUTES * WORDS)]];
    for (const [window, seconds] of [
      ['15m', 900],
      ['1h', 3_600],
      ['24h', DAY_SECONDS],
    ] as const) {
      const took: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const started = performance.now();
        await repository.topWords(seconds, 100);
        took.push(performance.now() - started);
      }
      took.sort((a, b) => a - b);
      rows.push([
        `one read, ${window}: p50 / max`,
        `${percentile(took, 50).toFixed(1)} / ${took.at(-1)?.toFixed(1)} ms`,
      ]);
    }
    const atOnce = async (label: string, ask: () => Promise<unknown>) => {
      const used = countCpu([]);
      const started = performance.now();
      await Promise.all(Array.from({ length: DASHBOARDS }, ask));
      const wall = performance.now() - started;
      const postgres = (used().parts['postgresql']?.seconds ?? 0) * 1000;
      rows.push([
        `${DASHBOARDS} callers at once, ${label}: wall / PostgreSQL CPU`,
        `${wall.toFixed(0)} ms / ${postgres.toFixed(0)} ms`,
      ]);
    };
    await atOnce('a query each (before)', () => repository.topWords(DAY_SECONDS, 20));
    await atOnce('StatsService (shared)', () => service.topWords({ window: '24h', limit: 20 }));
    printFigures(rows);
  });
}

runBenchmark(main);
