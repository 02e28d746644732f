import {
  MESSAGE_CHANGE_TYPES,
  ROOM_EVENT_TYPES,
  USER_EVENT_TYPES,
  type EventEnvelope,
  type MessageView,
} from '@scale-chat/contracts';
import { EVENT_SCHEMAS, type EventSchema } from '@scale-chat/contracts/events';
import { wordsOf } from './words';

/** A minute series the stats keep. */
export type MinuteMetric = 'messages' | 'signups';
export type TotalName = 'users' | 'rooms' | 'messages';

/**
 * The words a message has after one of its events (none once deleted), at that event's
 * `version`: the top words hold the words of each message's highest version.
 */
export interface MessageWords {
  readonly id: string;
  readonly version: number;
  readonly words: readonly string[];
  /** Where the words count when no earlier event of the message was logged. */
  readonly minuteSource: Date;
}

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
  /** For the events that change a message's words: sent, edited, deleted. */
  readonly message: MessageWords | undefined;
}

export const LOGGED_EVENT_TYPES = [
  USER_EVENT_TYPES.registered,
  USER_EVENT_TYPES.deleted,
  ROOM_EVENT_TYPES.roomCreated,
  ROOM_EVENT_TYPES.memberJoined,
  ROOM_EVENT_TYPES.memberLeft,
  ROOM_EVENT_TYPES.messageSent,
  MESSAGE_CHANGE_TYPES.messageEdited,
  MESSAGE_CHANGE_TYPES.messageDeleted,
] as const;

type LoggedType = (typeof LOGGED_EVENT_TYPES)[number];
type DataOf<T extends LoggedType> = ReturnType<(typeof EVENT_SCHEMAS)[T]>;
type Effects = Omit<LoggedEvent, 'eventId' | 'topic' | 'type' | 'occurredAt' | 'data'>;

function messageWords(message: MessageView, body: string, minuteSource: Date): MessageWords {
  return {
    id: message.id.toLowerCase(),
    version: message.version,
    words: wordsOf(body),
    minuteSource,
  };
}

/** An edit or a deletion: counted nowhere but in the message's words. */
function messageChange({ message }: { message: MessageView }, body: string): Effects {
  return {
    key: message.roomId,
    counts: undefined,
    totals: {},
    message: messageWords(message, body, new Date(message.createdAt)),
  };
}

/** The schemas of the types the log keeps (libs/contracts'). */
export const LOGGED_EVENT_SCHEMAS: Readonly<Record<LoggedType, EventSchema<unknown>>> =
  Object.fromEntries(LOGGED_EVENT_TYPES.map((type) => [type, EVENT_SCHEMAS[type]])) as Record<
    LoggedType,
    EventSchema<unknown>
  >;

/**
 * What each kept event adds to the figures, from its data as its schema checked it. A
 * message's count stays with its send: counts are of messages sent (docs/stats.md).
 */
const EFFECTS: {
  readonly [T in LoggedType]: (data: DataOf<T>, occurredAt: Date) => Effects;
} = {
  [USER_EVENT_TYPES.registered]: ({ userId }) => ({
    key: userId,
    counts: 'signups',
    totals: { users: 1 },
    message: undefined,
  }),
  [USER_EVENT_TYPES.deleted]: ({ userId }) => ({
    key: userId,
    counts: undefined,
    totals: { users: -1 },
    message: undefined,
  }),
  [ROOM_EVENT_TYPES.roomCreated]: ({ room }) => ({
    key: room.id,
    counts: undefined,
    totals: { rooms: 1 },
    message: undefined,
  }),
  [ROOM_EVENT_TYPES.memberJoined]: ({ roomId }) => ({
    key: roomId,
    counts: undefined,
    totals: {},
    message: undefined,
  }),
  [ROOM_EVENT_TYPES.memberLeft]: ({ roomId }) => ({
    key: roomId,
    counts: undefined,
    totals: {},
    message: undefined,
  }),
  [ROOM_EVENT_TYPES.messageSent]: ({ message }, occurredAt) => ({
    key: message.roomId,
    counts: 'messages',
    totals: { messages: 1 },
    message: messageWords(message, message.body, occurredAt),
  }),
  [MESSAGE_CHANGE_TYPES.messageEdited]: (data) => messageChange(data, data.message.body),
  // Its body is "" already; said outright, since that is what takes its words out.
  [MESSAGE_CHANGE_TYPES.messageDeleted]: (data) => messageChange(data, ''),
};

/** One event of the log's types, its data checked by `LOGGED_EVENT_SCHEMAS` (the transport's). */
export function loggedEventOf(event: EventEnvelope, topic: string): LoggedEvent {
  // The transport only hands over the types of LOGGED_EVENT_SCHEMAS, their data checked.
  const effects = EFFECTS[event.type as LoggedType] as (data: unknown, at: Date) => Effects;
  const occurredAt = new Date(event.occurredAt);
  return {
    eventId: event.id,
    topic,
    type: event.type,
    occurredAt,
    data: event.data,
    ...effects(event.data, occurredAt),
  };
}
