import { writeFileSync } from 'node:fs';

/** One fault the suite made, what the system promises, and what it did. */
export interface Finding {
  readonly fault: string;
  readonly expected: string;
  readonly observed: string;
  readonly held: boolean;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown page of the findings (docs/reliability.md), in the order they were made. */
export function reliabilityReport(findings: readonly Finding[], context: string): string {
  const rows = findings.map(
    (finding) =>
      `| ${cell(finding.fault)} | ${cell(finding.expected)} | ${cell(finding.observed)} | ${
        finding.held ? 'yes' : '**no**'
      } |`,
  );
  return [
    '# Reliability: faults, floods and hostile input against the whole system',
    '',
    'Written by the resilience suite (`resilience/src/resilience.chaos-spec.ts`, run by',
    '`npm test` in its chaos phase) each time it runs; do not edit by hand.',
    '',
    context,
    '',
    '| fault | expected | observed | held |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

export function writeReliabilityReport(
  path: string,
  findings: readonly Finding[],
  context: string,
): void {
  writeFileSync(path, reliabilityReport(findings, context));
}
