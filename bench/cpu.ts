import { readdirSync, readFileSync } from 'node:fs';

/** A process of the system under load, as tools/src/cluster describes it. */
export interface MeasuredProcess {
  readonly label: string;
  pid(): number | undefined;
}

/**
 * CPU seconds (user + system) a process has used, from /proc; with `children`, also
 * what its ended children used (PostgreSQL's backends come and go).
 */
function cpuSeconds(pid: number, children = false): Usage {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = (index: number) => Number(fields[index]) / 100;
    return children
      ? { user: ticks(11) + ticks(13), kernel: ticks(12) + ticks(14) }
      : { user: ticks(11), kernel: ticks(12) };
  } catch {
    return NONE; // the process is gone (a PostgreSQL backend that ended)
  }
}

/** CPU seconds in the process's own code and in the kernel on its behalf (system calls). */
interface Usage {
  readonly user: number;
  readonly kernel: number;
}

const NONE: Usage = { user: 0, kernel: 0 };

const sum = (usages: readonly Usage[]): Usage =>
  usages.reduce((a, b) => ({ user: a.user + b.user, kernel: a.kernel + b.kernel }), NONE);

function pidsWhere(match: (cmdline: string) => boolean): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      } catch {
        return false;
      }
    });
}

/** CPU seconds used so far by each part of the system: the services, PostgreSQL, Kafka, the load generator. */
function cpuByPart(services: readonly MeasuredProcess[]): Record<string, Usage> {
  const parts: Record<string, Usage> = { 'load generator': cpuSeconds(process.pid) };
  for (const service of services) parts[service.label] = cpuSeconds(service.pid() ?? -1);
  // The backends alive now, plus the postmaster with what its ended backends used.
  parts['postgresql'] = sum([
    ...pidsWhere((line) => line.startsWith('postgres:')).map((pid) => cpuSeconds(pid)),
    ...pidsWhere((line) => /postgres\0-D\0/.test(line)).map((pid) => cpuSeconds(pid, true)),
  ]);
  parts['kafka'] = sum(
    pidsWhere((line) => line.includes('kafka.Kafka')).map((pid) => cpuSeconds(pid)),
  );
  return parts;
}

/** CPU seconds a part used since counting started, and how much of it in the kernel. */
export interface PartUsage {
  readonly seconds: number;
  readonly kernelSeconds: number;
}

/** What each part used over `elapsed` seconds. */
export interface CpuUsed {
  readonly elapsed: number;
  readonly parts: Record<string, PartUsage>;
}

/**
 * Starts counting CPU by part; the returned function gives what each part (each
 * service, PostgreSQL, Kafka, the load generator) has used since then, and the
 * seconds elapsed.
 */
export function countCpu(services: readonly MeasuredProcess[]) {
  const before = cpuByPart(services);
  const startedAt = Date.now();
  return (): CpuUsed => {
    const after = cpuByPart(services);
    const parts: Record<string, PartUsage> = {};
    for (const [part, usage] of Object.entries(after)) {
      const user = usage.user - (before[part]?.user ?? 0);
      const kernel = usage.kernel - (before[part]?.kernel ?? 0);
      parts[part] = { seconds: user + kernel, kernelSeconds: kernel };
    }
    return { elapsed: (Date.now() - startedAt) / 1000, parts };
  };
}

/**
 * Each part's share of one core (100 = one core) and, given a count of units of work,
 * its CPU milliseconds per unit.
 */
export function describeCpu(
  { elapsed, parts }: CpuUsed,
  units?: number,
): string {
  return Object.entries(parts)
    .map(([part, { seconds: used, kernelSeconds: kernel }]) => {
      const share = `${part} ${((used / elapsed) * 100).toFixed(0)}% (${used > 0 ? ((kernel / used) * 100).toFixed(0) : 0}% kernel`;
      return units === undefined
        ? `${share})`
        : `${share}, ${((used * 1000) / units).toFixed(1)} ms each)`;
    })
    .join(', ');
}

/** Starts counting CPU by part; the returned function describes it (`describeCpu`). */
export function measureCpu(services: readonly MeasuredProcess[]) {
  const count = countCpu(services);
  return (units?: number): string => describeCpu(count(), units);
}
