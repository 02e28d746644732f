import { existsSync, readFileSync, statSync } from 'node:fs';
import { EDGE_ACCESS_LOG } from '../infra';

/** One line of the edge's JSON access log (the fields the checks read). */
export interface AccessLogEntry {
  readonly time: string;
  readonly method: string;
  readonly uri: string;
  readonly status: number;
  /** Every address nginx tried, in order ("a, b" when the first failed). */
  readonly upstream: string;
}

/** Where the log ends now: read from here to see only what comes after. */
export function accessLogOffset(): number {
  return existsSync(EDGE_ACCESS_LOG) ? statSync(EDGE_ACCESS_LOG).size : 0;
}

export function accessLogSince(offset: number): AccessLogEntry[] {
  return readFileSync(EDGE_ACCESS_LOG)
    .subarray(offset)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AccessLogEntry);
}

/** The Engine.IO session a /socket.io/ request belongs to (none for a handshake). */
export function sessionOf(entry: AccessLogEntry): string | undefined {
  if (!entry.uri.startsWith('/socket.io/')) return undefined;
  return new URL(entry.uri, 'http://edge').searchParams.get('sid') ?? undefined;
}

/** The instance that answered: the last address nginx tried. */
export function answeredBy(entry: AccessLogEntry): string {
  return entry.upstream.split(',').at(-1)?.trim() ?? '';
}

/** For each session, the instances that answered its requests (one, when sticky). */
export function instancesBySession(entries: readonly AccessLogEntry[]): Map<string, Set<string>> {
  const sessions = new Map<string, Set<string>>();
  for (const entry of entries) {
    const session = sessionOf(entry);
    if (session === undefined) continue;
    const instances = sessions.get(session) ?? new Set<string>();
    instances.add(answeredBy(entry));
    sessions.set(session, instances);
  }
  return sessions;
}
