/** Lines kept after a failing test's heading: its assertion and the top of its stack. */
const LINES_PER_FAILURE = 40;
/** The most a recap prints, so a run with many failures still ends readably. */
const RECAP_MAX_LINES = 600;

// eslint-disable-next-line no-control-regex -- the escape sequences of coloured output
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
/** Nx's stream output prefixes each task's line with its project: `auth: ...`. */
const PROJECT_PREFIX = /^([A-Za-z0-9@/._-]+):\s?(.*)$/;
/** Jest's heading of one failing test (`● describe › test`) and of a failing file. */
const FAILURE_HEADING = /^\s*● /;
const FAILING_FILE = /^\s*FAIL\s/;
/** A file's verdict: a failure's text ends there at the latest. */
const FILE_VERDICT = /^\s*(PASS|FAIL)\s/;
/** Jest then repeats every failure under this heading; the recap has them already. */
const JEST_SUMMARY = /^Summary of all failing tests/;
/** The totals that end one Jest run (a project's next target may print under the same prefix). */
const JEST_RUN_END = /^Test Suites:/;

/**
 * Keeps what Jest printed about failing tests in a long, interleaved `nx run-many` stream,
 * to print again at its end: with a dozen projects running at once, a failure is otherwise
 * a few hundred lines above the summary that says only which task failed, and a CI log that
 * keeps only the tail loses it.
 */
export class FailureRecap {
  private readonly kept: string[] = [];
  /** Per project, how many more lines the failure being printed keeps. */
  private readonly open = new Map<string, number>();
  private readonly summarised = new Set<string>();
  private dropped = 0;
  private partial = '';

  /** Takes output as it comes, in chunks that need not end at a line break. */
  write(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  /** What was kept, ready to print; empty when no test failed. */
  lines(): string[] {
    if (this.partial !== '') {
      this.line(this.partial);
      this.partial = '';
    }
    if (this.kept.length === 0) return [];
    const more = this.dropped > 0 ? [`... and ${this.dropped} more lines`] : [];
    return [...this.kept, ...more];
  }

  private line(raw: string): void {
    const plain = raw.replace(ANSI, '').replace(/\r$/, '');
    const match = PROJECT_PREFIX.exec(plain);
    const project = match?.[1] ?? '';
    const text = match?.[2] ?? plain;
    if (JEST_SUMMARY.test(text)) {
      this.open.delete(project);
      this.summarised.add(project);
      return;
    }
    const runEnded = JEST_RUN_END.test(text);
    if (runEnded) this.summarised.delete(project);
    if (this.summarised.has(project)) return;
    if (runEnded || FILE_VERDICT.test(text)) this.open.delete(project);
    if (FAILING_FILE.test(text)) {
      this.keep(plain);
      return;
    }
    if (FAILURE_HEADING.test(text)) {
      this.open.set(project, LINES_PER_FAILURE);
      this.keep(plain);
      return;
    }
    const left = this.open.get(project);
    if (left === undefined) return;
    this.keep(plain);
    if (left === 1) this.open.delete(project);
    else this.open.set(project, left - 1);
  }

  private keep(line: string): void {
    if (this.kept.length < RECAP_MAX_LINES) this.kept.push(line);
    else this.dropped += 1;
  }
}
