import { SAGA_COMMANDS } from '@scale-chat/contracts';
import { checkDefinition, type SagaDefinition } from './saga-definition';

const STEP_TIMEOUT_MS = 10_000;

/**
 * The three sagas of ARCHITECTURE.md. The first step of each was done by its initiator
 * before the saga started; if a later step fails or times out, the done steps are
 * undone in reverse order, that first one last.
 */
export const SIGNUP_SAGA = checkDefinition({
  type: 'signup',
  steps: [
    {
      name: 'store-pending-user',
      participant: 'auth',
      compensation: SAGA_COMMANDS.discardPendingUser,
      timeoutMs: STEP_TIMEOUT_MS,
    },
    {
      name: 'create-chat-profile',
      participant: 'chat-gateway',
      command: SAGA_COMMANDS.createChatProfile,
      compensation: SAGA_COMMANDS.deleteChatProfile,
      timeoutMs: STEP_TIMEOUT_MS,
    },
    {
      name: 'activate-user',
      participant: 'auth',
      command: SAGA_COMMANDS.activateUser,
      timeoutMs: STEP_TIMEOUT_MS,
    },
  ],
});

export const ROOM_SAGA = checkDefinition({
  type: 'room',
  steps: [
    {
      name: 'store-pending-room',
      participant: 'chat-gateway',
      compensation: SAGA_COMMANDS.cancelRoom,
      timeoutMs: STEP_TIMEOUT_MS,
    },
    {
      name: 'check-users-active',
      participant: 'auth',
      command: SAGA_COMMANDS.checkUsersActive,
      timeoutMs: STEP_TIMEOUT_MS,
    },
    {
      name: 'activate-room',
      participant: 'chat-gateway',
      command: SAGA_COMMANDS.activateRoom,
      timeoutMs: STEP_TIMEOUT_MS,
    },
  ],
});

export const ACCOUNT_DELETION_SAGA = checkDefinition({
  type: 'account-deletion',
  steps: [
    {
      name: 'mark-user-deleting',
      participant: 'auth',
      compensation: SAGA_COMMANDS.restoreUser,
      timeoutMs: STEP_TIMEOUT_MS,
    },
    {
      name: 'remove-user-from-rooms',
      participant: 'chat-gateway',
      command: SAGA_COMMANDS.removeUserFromRooms,
      timeoutMs: STEP_TIMEOUT_MS,
    },
    {
      name: 'delete-user',
      participant: 'auth',
      command: SAGA_COMMANDS.deleteUser,
      timeoutMs: STEP_TIMEOUT_MS,
    },
  ],
});

export const SAGA_DEFINITIONS: ReadonlyMap<string, SagaDefinition> = new Map(
  [SIGNUP_SAGA, ROOM_SAGA, ACCOUNT_DELETION_SAGA].map((definition) => [
    definition.type,
    definition,
  ]),
);
