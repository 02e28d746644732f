import { ValidationError } from 'class-validator';

/**
 * class-validator's checks of a value's type, by the name it gives their failures; first,
 * whether there is one at all (`IsDefined`, where a DTO says so: "query is required" for
 * a missing value says more than "query must be a string").
 */
const TYPE_CHECKS: readonly string[] = [
  'isDefined',
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isArray',
  'isObject',
  'isDate',
];

/**
 * `errors` with a field of the wrong type refused for its type alone: `limit=abc` is
 * "limit must be an integer number", not that too beside "must not be greater than 50"
 * and "must not be less than 1", which say nothing of a value no number could be. A
 * field of the right type keeps every rule it breaks. Nested fields alike. REST bodies
 * and queries (`requestPipes`) and Socket.IO payloads go through it.
 */
export function typeErrorsFirst(errors: readonly ValidationError[]): ValidationError[] {
  return errors.map((error) => {
    const narrowed = Object.assign(new ValidationError(), error);
    const { constraints, children } = error;
    const typeCheck = TYPE_CHECKS.find((name) => constraints?.[name] !== undefined);
    if (constraints !== undefined && typeCheck !== undefined)
      narrowed.constraints = { [typeCheck]: constraints[typeCheck] as string };
    if (children !== undefined) narrowed.children = typeErrorsFirst(children);
    return narrowed;
  });
}
