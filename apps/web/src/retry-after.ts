/**
 * `Retry-After` (RFC 9110): a number of seconds or an HTTP date. The seconds to wait, at
 * least 1, or undefined when the header is absent or unreadable.
 */
export function retryAfterSeconds(
  header: string | null,
  now: number = Date.now(),
): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Math.max(1, Number(value));
  const date = Date.parse(value);
  if (Number.isNaN(date) || !/[a-z]/i.test(value)) return undefined;
  return Math.max(1, Math.ceil((date - now) / 1_000));
}

/** "in 1 second", "in 40 seconds", "in 2 minutes" (rounded up: never sooner than allowed). */
export function waitPhrase(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? 'in 1 second' : `in ${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return minutes === 1 ? 'in 1 minute' : `in ${minutes} minutes`;
  const hours = Math.ceil(minutes / 60);
  return hours === 1 ? 'in 1 hour' : `in ${hours} hours`;
}
