import { SAGA_COMMANDS } from '@scale-chat/contracts';
import { checkDefinition, type SagaDefinition } from './saga-definition';

/**
 * The three sagas of ARCHITECTURE.md. The first step of each was done by its initiator
 * before the saga started; if a later step fails or times out, the done steps are
 * undone in reverse order, that first one last. The last steps are past the point of
 * no return: a timeout there sends the command again (the participant is down, or it
 * acted and its answer was lost), since undoing could race the late execution.
 */
export const signupSaga = (stepTimeoutMs: number): SagaDefinition =>
  checkDefinition({
    type: 'signup',
    steps: [
      {
        name: 'store-pending-user',
        participant: 'auth',
        compensation: SAGA_COMMANDS.discardPendingUser,
        timeoutMs: stepTimeoutMs,
      },
      {
        name: 'create-chat-profile',
        participant: 'chat-gateway',
        command: SAGA_COMMANDS.createChatProfile,
        compensation: SAGA_COMMANDS.deleteChatProfile,
        timeoutMs: stepTimeoutMs,
      },
      {
        name: 'activate-user',
        participant: 'auth',
        command: SAGA_COMMANDS.activateUser,
        timeoutMs: stepTimeoutMs,
        onTimeout: 'retry',
      },
    ],
  });

export const roomSaga = (stepTimeoutMs: number): SagaDefinition =>
  checkDefinition({
    type: 'room',
    steps: [
      {
        name: 'store-pending-room',
        participant: 'chat-gateway',
        compensation: SAGA_COMMANDS.cancelRoom,
        timeoutMs: stepTimeoutMs,
      },
      {
        name: 'check-users-active',
        participant: 'auth',
        command: SAGA_COMMANDS.checkUsersActive,
        timeoutMs: stepTimeoutMs,
      },
      {
        name: 'activate-room',
        participant: 'chat-gateway',
        command: SAGA_COMMANDS.activateRoom,
        timeoutMs: stepTimeoutMs,
        onTimeout: 'retry',
      },
    ],
  });

export const accountDeletionSaga = (stepTimeoutMs: number): SagaDefinition =>
  checkDefinition({
    type: 'account-deletion',
    steps: [
      {
        name: 'mark-user-deleting',
        participant: 'auth',
        compensation: SAGA_COMMANDS.restoreUser,
        timeoutMs: stepTimeoutMs,
      },
      {
        name: 'remove-user-from-rooms',
        participant: 'chat-gateway',
        command: SAGA_COMMANDS.removeUserFromRooms,
        // The rooms are left for good; the chat profile comes back if the deletion fails.
        compensation: SAGA_COMMANDS.createChatProfile,
        timeoutMs: stepTimeoutMs,
        onTimeout: 'retry',
      },
      {
        name: 'delete-user',
        participant: 'auth',
        command: SAGA_COMMANDS.deleteUser,
        timeoutMs: stepTimeoutMs,
        onTimeout: 'retry',
      },
    ],
  });

/** Every saga the orchestrator runs, by type, each step given `stepTimeoutMs` to answer. */
export function sagaDefinitions(stepTimeoutMs: number): ReadonlyMap<string, SagaDefinition> {
  return new Map(
    [signupSaga, roomSaga, accountDeletionSaga].map((build) => {
      const definition = build(stepTimeoutMs);
      return [definition.type, definition];
    }),
  );
}
