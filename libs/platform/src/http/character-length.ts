import { characterCount, NAME_CONTROL_CHARACTERS } from '@scale-chat/contracts';
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

/** A name as people see it: no control characters (see `NAME_CONTROL_CHARACTERS`). */
export function VisibleName(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'visibleName',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && !NAME_CONTROL_CHARACTERS.test(value),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must not contain control characters (line breaks, tabs, direction overrides)`,
          options,
        ),
      },
    },
    options,
  );
}
