import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsUUID } from 'class-validator';

const lowerCase = (value: unknown): unknown =>
  typeof value === 'string' ? value.toLowerCase() : value;

/**
 * The one rule for ids in a body or event: a UUID in either case, handled lower-case from
 * here on (as stored and as every view and socket room names it), so that an upper-case
 * id means the same user or room everywhere. Path ids follow it through ParseIdPipe.
 */
export function IsId(options: { each?: boolean } = {}): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      options.each === true && Array.isArray(value) ? value.map(lowerCase) : lowerCase(value),
    ),
    IsUUID('all', options),
  );
}
