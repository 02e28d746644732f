import 'reflect-metadata';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsObject,
  Matches,
  ValidateBy,
  ValidateNested,
  validateSync,
  type ValidationError,
  type ValidationOptions,
} from 'class-validator';
import { UUID_PATTERN } from '../ids';

/** Turns an event's data into its typed value, or throws saying what is wrong with it. */
export type EventSchema<T> = (data: unknown) => T;

const lowerCase = (value: unknown): unknown =>
  typeof value === 'string' ? value.toLowerCase() : value;

/**
 * The one rule for an id in a request body, a socket event or an event's data: a UUID
 * (`isUuid`: 32 hex digits in the hyphenated form, any version; path ids follow it through
 * `ParseIdPipe`), in either case, lower-cased from here on as every store, view and
 * socket room names it (PostgreSQL hands a uuid back lower-case; an id compared with one
 * it wrote must be too).
 */
export function IsId(options: ValidationOptions = {}): PropertyDecorator {
  const transform = Transform(({ value }: { value: unknown }) =>
    options.each === true && Array.isArray(value) ? value.map(lowerCase) : lowerCase(value),
  );
  const check = Matches(UUID_PATTERN, {
    message:
      options.each === true ? 'each value in $property must be a UUID' : '$property must be a UUID',
    ...options,
  });
  return (target, property) => {
    transform(target, property);
    check(target, property);
  };
}

/**
 * A nested object of class `type`, checked by that class's rules; required (a bare
 * `ValidateNested` lets a missing one through, and a consumer then fails on it).
 */
export function IsNested(type: () => new () => object): PropertyDecorator {
  const decorators = [
    IsObject({ message: '$property is missing or not an object' }),
    ValidateNested(),
    Type(type),
  ];
  return (target, property) => {
    for (const decorate of decorators) decorate(target, property);
  };
}

/** An instant as `Date.prototype.toISOString` writes one (RFC 3339, any offset). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Whether `value` is a time: an RFC 3339 date and time that `Date` reads (ISO 8601's other
 * forms, week dates and ordinal days, are not: `new Date` cannot read them, and a consumer
 * would fail on them after accepting the event; nor is "1", which `Date` reads as 2001),
 * in the years 1 to 9999 in UTC, which PostgreSQL stores (year 0, or 9999-12-31 at an
 * offset of -23:59, it refuses: the event would be retried, then kept as a dead letter).
 */
export const isInstant = (value: unknown): value is string => {
  if (typeof value !== 'string' || !INSTANT.test(value)) return false;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return false;
  const year = new Date(time).getUTCFullYear();
  return year >= 1 && year <= 9999;
};

/** A time (`isInstant`). */
export function IsInstant(options: ValidationOptions = {}): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: isInstant,
        defaultMessage: () => '$property is not a time (RFC 3339)',
      },
    },
    options,
  );
}

function messagesOf(errors: readonly ValidationError[], path = ''): string[] {
  return errors.flatMap((error) => {
    const at = `${path}${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.replace(error.property, at),
    );
    return [...own, ...messagesOf(error.children ?? [], `${at}.`)];
  });
}

/** How deep an event's data may nest: the contracts' deepest is a few levels. */
const DATA_DEPTH_MAX = 32;

/**
 * Why `data` cannot be stored as it is, if it cannot, whatever its fields: text holding
 * U+0000, which PostgreSQL's text and jsonb refuse (in a field a consumer keeps undeclared,
 * a saga's payload, too), or nesting past `DATA_DEPTH_MAX` (which would otherwise end in
 * a stack overflow further on). Looked at without recursion.
 */
function unstorable(data: object): string | undefined {
  const pending: [unknown, number][] = [[data, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, depth] = next;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return 'data holds text with U+0000 (NUL)';
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > DATA_DEPTH_MAX) return `data is nested deeper than ${DATA_DEPTH_MAX} levels`;
    for (const [key, child] of Object.entries(value)) {
      if (key.includes('\u0000')) return 'data holds text with U+0000 (NUL)';
      pending.push([child, depth + 1]);
    }
  }
  return undefined;
}

/**
 * The schema of one event's data, from a class-validator class (the workspace's one way
 * to check input, as for request bodies). Fields the class does not declare are dropped:
 * a producer that adds one does not break consumers that do not know it yet. Data that
 * could not be stored (`unstorable`) is refused whatever its fields.
 */
export function eventSchema<T extends object>(type: new () => T): EventSchema<T> {
  return (data) => {
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new Error('data is not an object');
    const problem = unstorable(data);
    if (problem !== undefined) throw new Error(problem);
    const value = plainToInstance(type, data);
    const errors = validateSync(value, { whitelist: true });
    if (errors.length > 0) throw new Error(messagesOf(errors).join('; '));
    return value;
  };
}
