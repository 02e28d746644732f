import { AUTH_LOGINS_TOPIC, AUTH_USERS_TOPIC } from './auth-events';
import { CHAT_ROOM_EVENTS_TOPIC } from './chat';
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
