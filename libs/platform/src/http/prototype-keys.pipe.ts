import {
  BadRequestException,
  Injectable,
  type ArgumentMetadata,
  type PipeTransform,
} from '@nestjs/common';
import { findInPayload } from './find-in-payload';

const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The path of the first key, at any depth, that could reach an object's prototype. */
export function findPrototypeKey(value: unknown): string | undefined {
  return findInPayload(value, { key: (key) => PROTOTYPE_KEYS.has(key) });
}

/**
 * JSON.parse keeps `"__proto__"` as an own key, which class-transformer would turn into
 * the prototype of the validated object, out of the validator's sight. Such a body is
 * an unknown field: 400, before validation.
 */
@Injectable()
export class RejectPrototypeKeysPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body') return value;
    const key = findPrototypeKey(value);
    if (key !== undefined) throw new BadRequestException([`property ${key} should not exist`]);
    return value;
  }
}
