import {
  BadRequestException,
  Injectable,
  type ArgumentMetadata,
  type PipeTransform,
} from '@nestjs/common';

/**
 * The path of the first string (or key), at any depth, holding a NUL character:
 * PostgreSQL stores none in text or jsonb and refuses the whole statement.
 */
export function findNulCharacter(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'the value' : undefined;
  if (typeof value !== 'object' || value === null || depth > 32) return undefined;
  for (const key of Object.keys(value)) {
    const here = path === '' ? key : `${path}.${key}`;
    if (key.includes('\u0000')) return here;
    const found = findNulCharacter((value as Record<string, unknown>)[key], here, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
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
