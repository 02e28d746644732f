import { ROOM_EVENT_TYPES, USER_EVENT_TYPES, type EventEnvelope } from '@scale-chat/contracts';
import { EVENT_SCHEMAS, type EventSchema } from '@scale-chat/contracts/events';
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

type LoggedType = (typeof LOGGED_EVENT_TYPES)[number];
type DataOf<T extends LoggedType> = ReturnType<(typeof EVENT_SCHEMAS)[T]>;
type Effects = Pick<LoggedEvent, 'key' | 'counts' | 'totals' | 'words'>;

/** The schemas of the types the log keeps (libs/contracts'). */
export const LOGGED_EVENT_SCHEMAS: Readonly<Record<LoggedType, EventSchema<unknown>>> =
  Object.fromEntries(LOGGED_EVENT_TYPES.map((type) => [type, EVENT_SCHEMAS[type]])) as Record<
    LoggedType,
    EventSchema<unknown>
  >;

/** What each kept event adds to the figures, from its data as its schema checked it. */
const EFFECTS: { readonly [T in LoggedType]: (data: DataOf<T>) => Effects } = {
  [USER_EVENT_TYPES.registered]: ({ userId }) => ({
    key: userId,
    counts: 'signups',
    totals: { users: 1 },
    words: [],
  }),
  [USER_EVENT_TYPES.deleted]: ({ userId }) => ({
    key: userId,
    counts: undefined,
    totals: { users: -1 },
    words: [],
  }),
  [ROOM_EVENT_TYPES.roomCreated]: ({ room }) => ({
    key: room.id,
    counts: undefined,
    totals: { rooms: 1 },
    words: [],
  }),
  [ROOM_EVENT_TYPES.memberJoined]: ({ roomId }) => ({
    key: roomId,
    counts: undefined,
    totals: {},
    words: [],
  }),
  [ROOM_EVENT_TYPES.memberLeft]: ({ roomId }) => ({
    key: roomId,
    counts: undefined,
    totals: {},
    words: [],
  }),
  [ROOM_EVENT_TYPES.messageSent]: ({ message }) => ({
    key: message.roomId,
    counts: 'messages',
    totals: { messages: 1 },
    words: wordsOf(message.body),
  }),
};

/** One event of the log's types, its data checked by `LOGGED_EVENT_SCHEMAS` (the transport's). */
export function loggedEventOf(event: EventEnvelope, topic: string): LoggedEvent {
  // The transport only hands over the types of LOGGED_EVENT_SCHEMAS, their data checked.
  const effects = EFFECTS[event.type as LoggedType] as (data: unknown) => Effects;
  return {
    eventId: event.id,
    topic,
    type: event.type,
    occurredAt: new Date(event.occurredAt),
    data: event.data,
    ...effects(event.data),
  };
}
