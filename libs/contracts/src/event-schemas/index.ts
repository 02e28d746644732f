import { LOGIN_REVOKED, USER_EVENT_TYPES } from '../auth-events';
import { ROOM_EVENT_TYPES } from '../chat';
import { MESSAGE_CHANGE_TYPES } from '../message-changes';
import { SAGA_EVENT_TYPES } from '../sagas';
import { LoginRevokedSchema, UserDeletedSchema, UserRegisteredSchema } from './auth-event-schemas';
import { eventSchema } from './event-schema';
import {
  MemberJoinedSchema,
  MemberLeftSchema,
  MessageChangedSchema,
  MessageSentSchema,
  RoomCreatedSchema,
} from './room-event-schemas';
import { SagaCommandSchema, SagaReplySchema, SagaStartRequestSchema } from './saga-schemas';

export * from './auth-event-schemas';
export * from './event-schema';
export * from './room-event-schemas';
export * from './saga-schemas';

/**
 * One schema per event type on Kafka: what every consumer checks an event's data with
 * (its producers write the interface each schema class implements). A separate entry
 * point (`@scale-chat/contracts/events`), so the web app's bundle has no validator in it.
 */
export const EVENT_SCHEMAS = {
  [LOGIN_REVOKED]: eventSchema(LoginRevokedSchema),
  [USER_EVENT_TYPES.registered]: eventSchema(UserRegisteredSchema),
  [USER_EVENT_TYPES.deleted]: eventSchema(UserDeletedSchema),
  [ROOM_EVENT_TYPES.roomCreated]: eventSchema(RoomCreatedSchema),
  [ROOM_EVENT_TYPES.memberJoined]: eventSchema(MemberJoinedSchema),
  [ROOM_EVENT_TYPES.memberLeft]: eventSchema(MemberLeftSchema),
  [ROOM_EVENT_TYPES.messageSent]: eventSchema(MessageSentSchema),
  [MESSAGE_CHANGE_TYPES.messageEdited]: eventSchema(MessageChangedSchema),
  [MESSAGE_CHANGE_TYPES.messageDeleted]: eventSchema(MessageChangedSchema),
  [MESSAGE_CHANGE_TYPES.reactionAdded]: eventSchema(MessageChangedSchema),
  [MESSAGE_CHANGE_TYPES.reactionRemoved]: eventSchema(MessageChangedSchema),
  [SAGA_EVENT_TYPES.start]: eventSchema(SagaStartRequestSchema),
  [SAGA_EVENT_TYPES.command]: eventSchema(SagaCommandSchema),
  [SAGA_EVENT_TYPES.reply]: eventSchema(SagaReplySchema),
} as const;
