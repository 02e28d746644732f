/** Prints a two-column Markdown table of figures, as docs/benchmarks.md records them. */
export function printFigures(rows: readonly (readonly [string, string])[]): void {
  process.stdout.write('\n| measure | figure |\n| --- | --- |\n');
  for (const [measure, figure] of rows) process.stdout.write(`| ${measure} | ${figure} |\n`);
}

/** Runs a benchmark's main and exits: 0 when it finished, 1 with the error printed. */
export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
      process.exit(1);
    },
  );
}

/** The p-th percentile of ascending `sorted` (nearest rank); NaN when it is empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
