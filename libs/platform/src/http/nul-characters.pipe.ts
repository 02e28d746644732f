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

/** Half of a surrogate pair without its other half: not a character of any text. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const holdsLoneSurrogate = (text: string) => LONE_SURROGATE.test(text);

/**
 * The path of the first string (or key), at any depth, holding a lone surrogate (JSON
 * may escape one, `"\ud800"`): stored as UTF-8 it would become U+FFFD, not what was sent.
 */
export function findLoneSurrogate(value: unknown, path = ''): string | undefined {
  return findInPayload(value, { key: holdsLoneSurrogate, text: holdsLoneSurrogate }, path);
}

/** Why a payload's text cannot be stored as sent (a NUL, a lone surrogate), if it cannot. */
export function unstorableText(value: unknown, path = ''): string | undefined {
  const nul = findNulCharacter(value, path);
  if (nul !== undefined) return `${nul} must not contain NUL characters`;
  const lone = findLoneSurrogate(value, path);
  if (lone !== undefined) return `${lone} must be well-formed Unicode text (a lone surrogate)`;
  return undefined;
}

/**
 * A body, query or path parameter with a NUL character or a lone surrogate anywhere is a
 * 400 naming where, before anything reaches the database (which refuses a NUL with a
 * 500, and stores a lone surrogate as U+FFFD).
 */
@Injectable()
export class RejectNulCharactersPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const problem = unstorableText(value, metadata.type === 'param' ? (metadata.data ?? '') : '');
    if (problem !== undefined) throw new BadRequestException([problem]);
    return value;
  }
}
