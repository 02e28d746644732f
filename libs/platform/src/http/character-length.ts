import { characterCount, nameProblem } from '@scale-chat/contracts';
import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';

/** What CharacterLength says of a `property` (or `$property`) outside `min` to `max`. */
export const characterLengthMessage = (property: string, min: number, max: number): string =>
  `${property} must be ${min} to ${max} characters long`;

/**
 * A string of `min` to `max` characters as API.md counts them (code points: an emoji is
 * one), the same count the Socket.IO checks use.
 */
export function CharacterLength(
  min: number,
  max: number,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'characterLength',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          const count = characterCount(value);
          return count >= min && count <= max;
        },
        defaultMessage: buildMessage(
          (each) => characterLengthMessage(`${each}$property`, min, max),
          options,
        ),
      },
    },
    options,
  );
}

/** A name as people see it (`nameProblem`): no control or invisible characters, something visible. */
export function VisibleName(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'visibleName',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && nameProblem(value) === undefined,
        defaultMessage: (args) =>
          `${args?.property ?? 'name'} ${
            typeof args?.value === 'string'
              ? (nameProblem(args.value) ?? 'must be a name')
              : 'must be a string'
          }`,
      },
    },
    options,
  );
}
