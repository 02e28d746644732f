import { isUuid, type EventEnvelope } from '@scale-chat/contracts';
import { isInstant } from '@scale-chat/contracts/events';

/** An event type: a name, as every type is (no control character), of 1 to 100 characters. */
const EVENT_TYPE_NAME = /^[^\p{Cc}]{1,100}$/u;

/** The envelope of a record, or a reason it is not one. */
export function parseEnvelope(value: Buffer | null): EventEnvelope | string {
  if (value === null) return 'empty record';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return 'not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return 'not an object';
  const { id, type, occurredAt, data } = parsed as Record<string, unknown>;
  if (!isUuid(id)) return 'id is not a UUID';
  if (typeof type !== 'string' || type.length === 0) return 'type is missing';
  // A name, as every type is: no control character (PostgreSQL's text takes no NUL, and
  // the dead letter keeping it must be stored), at most 100 characters.
  if (!EVENT_TYPE_NAME.test(type)) return 'type is not a name';
  if (!isInstant(occurredAt)) return 'occurredAt is not a time (RFC 3339)';
  if (data === undefined) return 'data is missing';
  // As PostgreSQL hands a uuid back, and every id in event data is (`IsId`).
  return { id: id.toLowerCase(), type, occurredAt, data };
}
