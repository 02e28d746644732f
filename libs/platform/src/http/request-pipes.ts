import { ValidationPipe, type PipeTransform } from '@nestjs/common';
import { RejectNulCharactersPipe } from './nul-characters.pipe';
import { RejectPrototypeKeysPipe } from './prototype-keys.pipe';

/**
 * The pipes every request's body, query and parameters go through, in order: strict
 * validation, unknown fields a 400. A guard that must read the body (guards run before
 * pipes) puts it through the same ones first.
 */
export function requestPipes(): PipeTransform[] {
  return [
    new RejectPrototypeKeysPipe(),
    new RejectNulCharactersPipe(),
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  ];
}
