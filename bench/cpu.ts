import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { LOCAL_DATABASE_URL, LOCAL_KAFKA_BROKERS } from '@scale-chat/contracts';

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

/** A file of /proc, or undefined when it is gone (the process ended) or not ours to read. */
function procText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

function pidsWhere(match: (cmdline: string) => boolean): number[] {
  return allPids().filter((pid) => match(procText(`/proc/${pid}/cmdline`) ?? ''));
}

function childrenOf(parents: readonly number[]): number[] {
  return allPids().filter((pid) => {
    const ppid = procText(`/proc/${pid}/stat`)?.split(') ')[1]?.split(' ')[1];
    return parents.includes(Number(ppid));
  });
}

/** What a process's open file descriptors point at (`socket:[inode]` for a socket). */
function fdTargets(pid: number): string[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return []; // gone, or another user's process
  }
  return fds.flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
    } catch {
      return []; // closed while we looked
    }
  });
}

/**
 * Those of `candidates` that listen on one of `ports`; all of them when none can be told
 * to (the machine may run several PostgreSQL servers and Kafka brokers, other people's
 * among them, and only the ones this run uses should be counted).
 */
function listeningOn(candidates: readonly number[], ports: readonly number[]): number[] {
  const sockets = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (procText(table) ?? '').split('\n').slice(1)) {
      // sl local_address rem_address st … inode: a listening socket has st 0A.
      const fields = line.trim().split(/\s+/);
      const port = parseInt(fields[1]?.split(':')[1] ?? '', 16);
      if (fields[3] === '0A' && ports.includes(port)) sockets.add(`socket:[${fields[9]}]`);
    }
  }
  const serving = candidates.filter((pid) => fdTargets(pid).some((fd) => sockets.has(fd)));
  return serving.length > 0 ? serving : [...candidates];
}

/** The PostgreSQL postmasters and Kafka brokers of this run (DATABASE_URL, KAFKA_BROKERS). */
function locateServers() {
  const database = new URL(process.env['DATABASE_URL'] ?? LOCAL_DATABASE_URL);
  const brokers = process.env['KAFKA_BROKERS']?.split(',') ?? LOCAL_KAFKA_BROKERS;
  return {
    postmasters: listeningOn(
      pidsWhere((line) => /postgres\0-D\0/.test(line)),
      [Number(database.port || 5432)],
    ),
    kafka: listeningOn(
      pidsWhere((line) => line.includes('kafka.Kafka')),
      brokers.map((broker) => Number(broker.split(':').pop())),
    ),
  };
}

type Servers = ReturnType<typeof locateServers>;

/** CPU seconds used so far by each part of the system: the services, PostgreSQL, Kafka, the load generator. */
function cpuByPart(services: readonly MeasuredProcess[], servers: Servers): Record<string, Usage> {
  const parts: Record<string, Usage> = { 'load generator': cpuSeconds(process.pid) };
  for (const service of services) parts[service.label] = cpuSeconds(service.pid() ?? -1);
  // The backends alive now, plus the postmaster with what its ended backends used.
  parts['postgresql'] = sum([
    ...childrenOf(servers.postmasters).map((pid) => cpuSeconds(pid)),
    ...servers.postmasters.map((pid) => cpuSeconds(pid, true)),
  ]);
  parts['kafka'] = sum(servers.kafka.map((pid) => cpuSeconds(pid)));
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
  const servers = locateServers();
  const before = cpuByPart(services, servers);
  const startedAt = Date.now();
  return (): CpuUsed => {
    const after = cpuByPart(services, servers);
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
export function describeCpu({ elapsed, parts }: CpuUsed, units?: number): string {
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
