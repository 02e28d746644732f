const MINUTE_MS = 60_000;

/** The UTC minute `time` falls in, as the figures' tables key it (ISO string). */
export function minuteOf(time: Date): string {
  return new Date(Math.floor(time.getTime() / MINUTE_MS) * MINUTE_MS).toISOString();
}

/** Adds `amount` (which may be negative) to `key`'s count. */
export function add<K>(counts: Map<K, number>, key: K, amount = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + amount);
}
