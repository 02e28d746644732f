import { ValidationPipe, type PipeTransform } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { EmptyQueryValuesAbsentPipe } from './empty-query-values.pipe';
import { RejectNulCharactersPipe } from './nul-characters.pipe';
import { RequireObjectBodyPipe } from './object-body.pipe';
import { RejectPrototypeKeysPipe } from './prototype-keys.pipe';
import { typeErrorsFirst } from './type-errors-first';

/** Nest's validation, its messages narrowed by `typeErrorsFirst`. */
class TypeErrorsFirstValidationPipe extends ValidationPipe {
  protected override flattenValidationErrors(errors: ValidationError[]): string[] {
    return super.flattenValidationErrors(typeErrorsFirst(errors));
  }
}

/**
 * The pipes every request's body, query and parameters go through, in order: a query
 * parameter with no value taken as absent, a body that is a list refused, then strict
 * validation (unknown fields a 400,
 * a field of the wrong type refused for its type). A guard that must read the body
 * (guards run before pipes) puts it through the same ones first.
 */
export function requestPipes(): PipeTransform[] {
  return [
    new EmptyQueryValuesAbsentPipe(),
    new RequireObjectBodyPipe(),
    new RejectPrototypeKeysPipe(),
    new RejectNulCharactersPipe(),
    new TypeErrorsFirstValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
    }),
  ];
}
