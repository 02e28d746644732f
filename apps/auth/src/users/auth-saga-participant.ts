import {
  AUTH_USERS_TOPIC,
  isUuid,
  SAGA_COMMANDS,
  USER_EVENT_TYPES,
  type SagaCommand,
  type UserRegistered,
} from '@scale-chat/contracts';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  answerSagaCommand,
  enqueueEvent,
  OnSagaCommand,
  type CommandHandler,
  type CommandHandlers,
  type CommandOutcome,
  type KafkaEventContext,
} from '@scale-chat/platform';
import type { EntityManager } from 'typeorm';
import { deleteUser, restoreUser } from './account-deletion.service';
import { UsersRepository } from './users.repository';

/** A handler of the command's `userId`; a payload without a valid one fails the step. */
const forUser =
  (handle: (userId: string, manager: EntityManager) => Promise<CommandOutcome>): CommandHandler =>
  (command: SagaCommand, manager: EntityManager) => {
    const { userId } = command.payload;
    return isUuid(userId)
      ? handle(userId, manager)
      : Promise.resolve({ outcome: 'failed', reason: 'userId is not a UUID' });
  };

/** auth's part in the sagas. Every handler may run twice with the same effect as once. */
export const authSagaCommands: CommandHandlers = {
  [SAGA_COMMANDS.activateUser]: forUser(activateUser),
  [SAGA_COMMANDS.discardPendingUser]: forUser(discardPendingUser),
  [SAGA_COMMANDS.deleteUser]: forUser(deleteUser),
  [SAGA_COMMANDS.restoreUser]: forUser(restoreUser),
  [SAGA_COMMANDS.checkUsersActive]: (command, manager) =>
    checkUsersActive(command.payload['userIds'], manager),
};

/** Answers the saga commands sent to auth (`saga.auth-commands`). */
@Controller()
export class AuthSagaController {
  @OnSagaCommand('auth')
  command(@Payload() command: SagaCommand, @Ctx() context: KafkaEventContext): Promise<void> {
    return answerSagaCommand(authSagaCommands, command, context);
  }
}

/**
 * pending → active, announced as `user.registered`; already active is success too (a
 * repeated command), announced nothing.
 */
export async function activateUser(
  userId: string,
  manager: EntityManager,
): Promise<CommandOutcome> {
  const users = new UsersRepository(manager);
  const activated = await users.setStatus(userId, 'active', 'pending');
  const user = await users.findById(userId);
  if (user?.status !== 'active') return { outcome: 'failed', reason: 'the user is not pending' };
  if (activated) {
    await enqueueEvent<UserRegistered>(manager, {
      topic: AUTH_USERS_TOPIC,
      key: user.id,
      type: USER_EVENT_TYPES.registered,
      data: {
        userId: user.id,
        username: user.username,
        displayName: user.displayName,
        registeredAt: user.createdAt.toISOString(),
      },
    });
  }
  return { outcome: 'succeeded' };
}

/** The signup failed: the pending user goes and its username is free again. */
export async function discardPendingUser(
  userId: string,
  manager: EntityManager,
): Promise<CommandOutcome> {
  await new UsersRepository(manager).delete(userId, 'pending');
  return { outcome: 'succeeded' };
}

/**
 * The room saga asks whether every user it names is active. Failing names the others
 * (`inactiveUserIds`), for the room's cancellation and the caller's 400.
 */
export async function checkUsersActive(
  userIds: unknown,
  manager: EntityManager,
): Promise<CommandOutcome> {
  if (!Array.isArray(userIds) || userIds.length === 0 || !userIds.every(isUuid)) {
    return { outcome: 'failed', reason: 'userIds is not a list of UUIDs' };
  }
  const found = new Set(await new UsersRepository(manager).activeIds(userIds));
  const inactiveUserIds = [...new Set(userIds)].filter((id) => !found.has(id));
  return inactiveUserIds.length === 0
    ? { outcome: 'succeeded' }
    : {
        outcome: 'failed',
        reason: `not active: ${inactiveUserIds.join(', ')}`,
        data: { inactiveUserIds },
      };
}
