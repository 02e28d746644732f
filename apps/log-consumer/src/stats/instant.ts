import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:[Zz]|[+-](\d{2}):(\d{2})))?$/;

/**
 * Whether `value` names one instant: a calendar date and a time of day with its offset
 * (RFC 3339, seconds optional), or a calendar date alone (its start, UTC), every field in
 * range, in the years 1 to 9999 once read as UTC (PostgreSQL has no year 0, and JavaScript
 * writes a year past 9999 in a form PostgreSQL cannot read). ISO 8601's other forms (week
 * and ordinal dates, a time without an offset, which JavaScript would read in the server's
 * zone) name none.
 */
export function isInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = INSTANT.exec(value);
  if (match === null) return false;
  const [year, month, day, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0] =
    match.slice(1).map((field) => (field === undefined ? undefined : Number(field)));
  if (year === undefined || month === undefined || day === undefined) return false;
  // Not Date.UTC, which reads the years 0 to 99 as 1900 to 1999.
  const lastOfMonth = new Date(0);
  lastOfMonth.setUTCFullYear(year, month, 0);
  const daysInMonth = lastOfMonth.getUTCDate();
  const time = Date.parse(value);
  const utcYear = new Date(time).getUTCFullYear();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59 &&
    !Number.isNaN(time) &&
    utcYear >= 1 &&
    utcYear <= 9999
  );
}

/** A query parameter that names one instant (`isInstant`). */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: isInstant,
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be a date and time with its offset, such as 2026-12-06T09:30:00Z`,
          options,
        ),
      },
    },
    options,
  );
}
