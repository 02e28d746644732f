import {
  BadRequestException,
  Injectable,
  type ArgumentMetadata,
  type PipeTransform,
} from '@nestjs/common';
import { findInPayload } from './find-in-payload';

const holdsNul = (text: string) => text.includes('\u0000');

/**
 * The path of the first string (or key), at any depth, holding a NUL character:
 * PostgreSQL stores none in text or jsonb and refuses the whole statement.
 */
export function findNulCharacter(value: unknown, path = ''): string | undefined {
  return findInPayload(value, { key: holdsNul, text: holdsNul }, path);
}

/**
 * A body, query or path parameter with a NUL character anywhere is a 400 naming where,
 * before anything reaches the database (which would refuse it with a 500).
 */
@Injectable()
export class RejectNulCharactersPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const path = findNulCharacter(value, metadata.type === 'param' ? (metadata.data ?? '') : '');
    if (path !== undefined)
      throw new BadRequestException([`${path} must not contain NUL characters`]);
    return value;
  }
}
