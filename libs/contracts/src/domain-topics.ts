import {
  AUTH_LOGINS_TOPIC,
  AUTH_USERS_TOPIC,
  LOGIN_REVOKED,
  USER_EVENT_TYPES,
} from './auth-events';
import { CHAT_ROOM_EVENTS_TOPIC, ROOM_EVENT_TYPES } from './chat';
import { MESSAGE_CHANGE_TYPES } from './message-changes';
import { SAGA_EVENT_TYPES } from './sagas';
import {
  SAGA_COMMAND_TOPICS,
  SAGA_REPLIES_TOPIC,
  SAGA_REQUESTS_TOPIC,
  type TopicSpec,
} from './topics';

/** Every topic the services' events go through (not the gateways' Socket.IO topic). */
export const DOMAIN_TOPICS: readonly TopicSpec[] = [
  AUTH_LOGINS_TOPIC,
  AUTH_USERS_TOPIC,
  CHAT_ROOM_EVENTS_TOPIC,
  SAGA_REQUESTS_TOPIC,
  SAGA_REPLIES_TOPIC,
  ...Object.values(SAGA_COMMAND_TOPICS),
];

/**
 * The event types each domain topic carries, by its declared name: a consumer refuses any
 * other type read there (kept as a dead letter), as a record of a known type on the wrong
 * topic would otherwise be acted on (a `saga.start` on `saga.replies` started a saga; a
 * `user.registered` on `chat.room-events` was counted as a signup).
 */
export const EVENT_TYPES_OF_TOPIC: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [AUTH_LOGINS_TOPIC.name, new Set([LOGIN_REVOKED])],
  [AUTH_USERS_TOPIC.name, new Set(Object.values(USER_EVENT_TYPES))],
  [
    CHAT_ROOM_EVENTS_TOPIC.name,
    new Set([...Object.values(ROOM_EVENT_TYPES), ...Object.values(MESSAGE_CHANGE_TYPES)]),
  ],
  [SAGA_REQUESTS_TOPIC.name, new Set([SAGA_EVENT_TYPES.start])],
  [SAGA_REPLIES_TOPIC.name, new Set([SAGA_EVENT_TYPES.reply])],
  ...Object.values(SAGA_COMMAND_TOPICS).map(
    (topic) => [topic.name, new Set([SAGA_EVENT_TYPES.command])] as const,
  ),
]);
