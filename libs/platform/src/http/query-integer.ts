import { Transform } from 'class-transformer';

/**
 * An integer as a query parameter writes it: decimal digits with no leading zero (as a
 * path's `:seq`), a minus sign at most.
 */
const DECIMAL_INTEGER = /^(0|-?[1-9][0-9]*)$/;

/**
 * A query parameter read as a number only when it is written as a decimal integer
 * (`?limit=20`): `Number` alone would also take `0x10`, `1e3`, `+5`, ` 5`, `05` and `5.0`. Any
 * other text is left as it is, for `@IsInt()` to refuse.
 */
export function QueryInteger(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value,
  );
}
