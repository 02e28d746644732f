/**
 * Dates of messages in the reader's locale and time zone (`createdAt` is ISO-8601 UTC).
 * Days are calendar days where the reader is, so a separator falls at their midnight.
 */

/**
 * Formatters are made once: `toLocaleTimeString` and its kin build one per call, which in
 * a list of hundreds of messages cost more than everything else a render did.
 */
let clockFormat: Intl.DateTimeFormat | undefined;
let fullFormat: Intl.DateTimeFormat | undefined;

function parse(iso: string): Date | undefined {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The reader's calendar day of `iso` (`2026-11-22`), or '' when it is not a date. */
export function dayKey(iso: string): string {
  const date = parse(iso);
  if (date === undefined) return '';
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Whether a message of `iso` starts a new day after one of `previousIso` (none: it does). */
export function startsDay(previousIso: string | undefined, iso: string): boolean {
  return previousIso === undefined || dayKey(previousIso) !== dayKey(iso);
}

/** A date separator's text: "Today", "Yesterday", else the weekday and the date. */
export function dayLabel(iso: string, now: Date = new Date()): string {
  const date = parse(iso);
  if (date === undefined) return '';
  const today = dayKey(now.toISOString());
  // Yesterday by the calendar, not 24 hours back (a day of a DST change is 23 or 25 h).
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (dayKey(iso) === today) return 'Today';
  if (dayKey(iso) === dayKey(yesterday.toISOString())) return 'Yesterday';
  return date.toLocaleDateString(undefined, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  });
}

/** The full date and time, shown on hover. */
export function fullDate(iso: string): string {
  const date = parse(iso);
  fullFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
  return date === undefined ? '' : fullFormat.format(date);
}

/** A short time: the clock today, the date before. */
export function formatTime(iso: string, now: Date = new Date()): string {
  const date = parse(iso);
  if (date === undefined) return '';
  return dayKey(iso) === dayKey(now.toISOString())
    ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

/** The clock time only (under a message, whose day a separator shows). */
export function clockTime(iso: string): string {
  const date = parse(iso);
  clockFormat ??= new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  return date === undefined ? '' : clockFormat.format(date);
}
