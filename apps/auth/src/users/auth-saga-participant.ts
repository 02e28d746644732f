import {
  AUTH_USERS_TOPIC,
  SAGA_COMMANDS,
  USER_EVENT_TYPES,
  type SagaCommand,
  type UserDeleted,
  type UserRegistered,
} from '@scale-chat/contracts';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  answerSagaCommand,
  enqueueEvent,
  forSagaPayload,
  OnSagaCommand,
  type CommandHandlers,
  type CommandOutcome,
  type KafkaEventContext,
} from '@scale-chat/platform';
import type { EntityManager } from 'typeorm';
import { revokeLogin } from '../sessions/revoke-login';
import { SessionsRepository } from '../sessions/sessions.repository';
import { UsersRepository } from './users.repository';

/** auth's part in the sagas. Every handler may run twice with the same effect as once. */
const authSagaCommands: CommandHandlers = {
  [SAGA_COMMANDS.activateUser]: forSagaPayload(SAGA_COMMANDS.activateUser, ({ userId }, manager) =>
    activateUser(userId, manager),
  ),
  [SAGA_COMMANDS.discardPendingUser]: forSagaPayload(
    SAGA_COMMANDS.discardPendingUser,
    ({ userId }, manager) => discardPendingUser(userId, manager),
  ),
  [SAGA_COMMANDS.deleteUser]: forSagaPayload(SAGA_COMMANDS.deleteUser, ({ userId }, manager) =>
    deleteUser(userId, manager),
  ),
  [SAGA_COMMANDS.restoreUser]: forSagaPayload(SAGA_COMMANDS.restoreUser, ({ userId }, manager) =>
    restoreUser(userId, manager),
  ),
  [SAGA_COMMANDS.checkUsersActive]: forSagaPayload(
    SAGA_COMMANDS.checkUsersActive,
    ({ userIds }, manager) => checkUsersActive(userIds, manager),
  ),
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
  userIds: readonly string[],
  manager: EntityManager,
): Promise<CommandOutcome> {
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

/**
 * The last step of an account deletion: every login revoked (and announced), then the
 * user and its logins gone (announced as `user.deleted`; a repeat finds nobody and
 * announces nothing).
 */
export async function deleteUser(userId: string, manager: EntityManager): Promise<CommandOutcome> {
  for (const family of await new SessionsRepository(manager).unrevokedFamiliesOf(userId))
    await revokeLogin(manager, family, 'account-deleted');
  if (await new UsersRepository(manager).delete(userId)) {
    await enqueueEvent<UserDeleted>(manager, {
      topic: AUTH_USERS_TOPIC,
      key: userId,
      type: USER_EVENT_TYPES.deleted,
      data: { userId },
    });
  }
  return { outcome: 'succeeded' };
}

/** Its compensation: a user whose deletion could not finish is active again. */
async function restoreUser(userId: string, manager: EntityManager): Promise<CommandOutcome> {
  await new UsersRepository(manager).setStatus(userId, 'active', 'deleting');
  return { outcome: 'succeeded' };
}
