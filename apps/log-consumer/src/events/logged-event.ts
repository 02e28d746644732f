import {
  isUuid,
  ROOM_EVENT_TYPES,
  USER_EVENT_TYPES,
  type EventEnvelope,
} from '@scale-chat/contracts';
import type { EventSchema } from '@scale-chat/platform';
import { wordsOf } from './words';

/** A minute series the stats keep. */
export type MinuteMetric = 'messages' | 'signups';
export type TotalName = 'users' | 'rooms' | 'messages';

/** One event as the log stores it, with what it adds to the figures. */
export interface LoggedEvent {
  readonly eventId: string;
  readonly topic: string;
  readonly type: string;
  readonly key: string | undefined;
  readonly occurredAt: Date;
  readonly data: unknown;
  readonly counts: MinuteMetric | undefined;
  readonly totals: Partial<Readonly<Record<TotalName, number>>>;
  readonly words: readonly string[];
}

export const LOGGED_EVENT_TYPES = [
  USER_EVENT_TYPES.registered,
  USER_EVENT_TYPES.deleted,
  ROOM_EVENT_TYPES.roomCreated,
  ROOM_EVENT_TYPES.memberJoined,
  ROOM_EVENT_TYPES.memberLeft,
  ROOM_EVENT_TYPES.messageSent,
] as const;

/** Each type's data is checked by what it adds to the figures (`effectsOf` throws). */
export const LOGGED_EVENT_SCHEMAS: Readonly<Record<string, EventSchema<unknown>>> =
  Object.fromEntries(
    LOGGED_EVENT_TYPES.map((type) => [
      type,
      (data: unknown) => {
        effectsOf(type, data);
        return data;
      },
    ]),
  );

type Fields = Record<string, unknown>;

function object(value: unknown, name: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${name} is not an object`);
  return value as Fields;
}

function uuid(fields: Fields, name: string): string {
  const value = fields[name];
  if (!isUuid(value)) throw new Error(`${name} is not a UUID`);
  return value;
}

/** The effects of an event on the figures; throws when its data is not what its type says. */
function effectsOf(
  type: string,
  data: unknown,
): Pick<LoggedEvent, 'key' | 'counts' | 'totals' | 'words'> {
  const fields = object(data, 'data');
  switch (type) {
    case USER_EVENT_TYPES.registered:
      if (typeof fields['username'] !== 'string') throw new Error('username is not a string');
      return { key: uuid(fields, 'userId'), counts: 'signups', totals: { users: 1 }, words: [] };
    case USER_EVENT_TYPES.deleted:
      return { key: uuid(fields, 'userId'), counts: undefined, totals: { users: -1 }, words: [] };
    case ROOM_EVENT_TYPES.roomCreated:
      return {
        key: uuid(object(fields['room'], 'room'), 'id'),
        counts: undefined,
        totals: { rooms: 1 },
        words: [],
      };
    case ROOM_EVENT_TYPES.memberJoined:
    case ROOM_EVENT_TYPES.memberLeft:
      return { key: uuid(fields, 'roomId'), counts: undefined, totals: {}, words: [] };
    case ROOM_EVENT_TYPES.messageSent: {
      const message = object(fields['message'], 'message');
      const body = message['body'];
      if (typeof body !== 'string' || body.length > 16_000) throw new Error('body is not text');
      return {
        key: uuid(message, 'roomId'),
        counts: 'messages',
        totals: { messages: 1 },
        words: wordsOf(body),
      };
    }
    default:
      throw new Error(`not an event the log keeps: ${type}`);
  }
}

/** Reads one event of the log's types; throws when it is malformed. */
export function loggedEventOf(event: EventEnvelope, topic: string): LoggedEvent {
  return {
    eventId: event.id,
    topic,
    type: event.type,
    occurredAt: new Date(event.occurredAt),
    data: event.data,
    ...effectsOf(event.type, event.data),
  };
}
