import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import {
  Matches,
  validateSync,
  type ValidationError,
  type ValidationOptions,
} from 'class-validator';
import { UUID_PATTERN } from '../ids';

/** Turns an event's data into its typed value, or throws saying what is wrong with it. */
export type EventSchema<T> = (data: unknown) => T;

/** An id: a UUID, by the same rule as `isUuid`. */
export function IsUuid(options: ValidationOptions = {}): PropertyDecorator {
  return Matches(UUID_PATTERN, { message: '$property is not a UUID', ...options });
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

/**
 * The schema of one event's data, from a class-validator class (the workspace's one way
 * to check input, as for request bodies). Fields the class does not declare are dropped:
 * a producer that adds one does not break consumers that do not know it yet.
 */
export function eventSchema<T extends object>(type: new () => T): EventSchema<T> {
  return (data) => {
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new Error('data is not an object');
    const value = plainToInstance(type, data);
    const errors = validateSync(value, { whitelist: true });
    if (errors.length > 0) throw new Error(messagesOf(errors).join('; '));
    return value;
  };
}
