import { characterCount } from '@scale-chat/contracts';
import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';

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
          (each) => `${each}$property must be ${min} to ${max} characters long`,
          options,
        ),
      },
    },
    options,
  );
}
