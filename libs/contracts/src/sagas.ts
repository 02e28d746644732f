import type { ServiceName } from './services';

/** What the orchestrator asks a participant to do, keyed by saga id on the participant's topic. */
export interface SagaCommand {
  readonly sagaId: string;
  /** Stable for one step and kind: a participant that sees it twice acts once. */
  readonly commandId: string;
  readonly sagaType: string;
  readonly kind: 'execute' | 'compensate';
  readonly participant: ServiceName;
  /** e.g. `chat.create-profile` */
  readonly name: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** The id of step `step`'s command of `kind` in saga `sagaId`: the same for every copy. */
export function sagaCommandId(sagaId: string, step: number, kind: SagaCommand['kind']): string {
  return `${sagaId}:${step}:${kind}`;
}

/** The id of the step an undo's command (`sagaCommandId`) undoes; undefined for any other id. */
export function stepCommandIdOf(undoCommandId: string): string | undefined {
  const match = /^(.+:\d+):compensate$/.exec(undoCommandId);
  return match === null ? undefined : `${match[1]}:execute`;
}

/** A participant's answer, written in the same transaction as its change. */
export interface SagaReply {
  readonly sagaId: string;
  readonly commandId: string;
  readonly outcome: 'succeeded' | 'failed';
  readonly reason?: string;
  /**
   * Facts the next steps need, merged into the saga's payload; on a failure, facts the
   * compensations need (which users were not active, say).
   */
  readonly data?: Readonly<Record<string, unknown>>;
}

export const SAGA_COMMANDS = {
  discardPendingUser: 'auth.discard-pending-user',
  activateUser: 'auth.activate-user',
  checkUsersActive: 'auth.check-users-active',
  restoreUser: 'auth.restore-user',
  deleteUser: 'auth.delete-user',
  createChatProfile: 'chat.create-profile',
  deleteChatProfile: 'chat.delete-profile',
  cancelRoom: 'chat.cancel-room',
  activateRoom: 'chat.activate-room',
  removeUserFromRooms: 'chat.remove-user-from-rooms',
} as const;

/** Asks the orchestrator to run a saga; `sagaId` makes a repeated request harmless. */
export interface SagaStartRequest {
  readonly sagaId: string;
  readonly sagaType: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

/**
 * The most a saga's payload may take as JSON, with every reply's facts merged in. Every
 * command of the saga carries it, and a command over the broker's `max.message.bytes`
 * (1 MiB) would stop the orchestrator's outbox, every saga's commands behind it; the
 * largest real one (a room of 100 users, half of them named inactive) is under 10 KB.
 */
export const SAGA_PAYLOAD_BYTES_MAX = 64 * 1024;

export const SAGA_EVENT_TYPES = {
  start: 'saga.start',
  command: 'saga.command',
  reply: 'saga.reply',
} as const;

/**
 * The payload of a `signup` saga (the pending user's profile, for chat-gateway) and of an
 * `account-deletion` saga (who the user was, for the chat profile to come back if the
 * deletion fails).
 */
export interface UserSagaPayload {
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
}

/**
 * The payload of a `room` saga. `kind: 'room'` creates a room whose owner and first
 * members are `userIds`; `kind: 'membership'` adds `userIds` to an existing room.
 */
export interface RoomSagaPayload {
  readonly roomId: string;
  readonly kind: 'room' | 'membership';
  readonly userIds: readonly string[];
  /** Set by `auth.check-users-active` when it fails: the ids that are not active users. */
  readonly inactiveUserIds?: readonly string[];
}

/** What each saga type starts with: the orchestrator refuses a request whose payload is not. */
export interface SagaPayloads {
  readonly signup: UserSagaPayload;
  readonly room: RoomSagaPayload;
  readonly 'account-deletion': UserSagaPayload;
}

export type SagaType = keyof SagaPayloads;

export type SagaCommandName = (typeof SAGA_COMMANDS)[keyof typeof SAGA_COMMANDS];

/**
 * The saga types whose steps send each command (as its step or its undo): a participant
 * takes a command only of these, and the orchestrator refuses a definition that sends
 * one from another.
 */
export const SAGA_TYPES_OF_COMMAND = {
  [SAGA_COMMANDS.discardPendingUser]: ['signup'],
  [SAGA_COMMANDS.activateUser]: ['signup'],
  [SAGA_COMMANDS.checkUsersActive]: ['room'],
  [SAGA_COMMANDS.restoreUser]: ['account-deletion'],
  [SAGA_COMMANDS.deleteUser]: ['account-deletion'],
  [SAGA_COMMANDS.createChatProfile]: ['signup', 'account-deletion'],
  [SAGA_COMMANDS.deleteChatProfile]: ['signup'],
  [SAGA_COMMANDS.cancelRoom]: ['room'],
  [SAGA_COMMANDS.activateRoom]: ['room'],
  [SAGA_COMMANDS.removeUserFromRooms]: ['account-deletion'],
} as const satisfies { readonly [C in SagaCommandName]: readonly SagaType[] };

/** The payload a command `C` is sent with: its saga types' (`SAGA_TYPES_OF_COMMAND`). */
export type SagaCommandPayload<C extends SagaCommandName> =
  SagaPayloads[(typeof SAGA_TYPES_OF_COMMAND)[C][number]];
