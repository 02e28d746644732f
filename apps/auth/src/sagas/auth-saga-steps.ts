import { Injectable } from '@nestjs/common';
import {
  AUTH_USERS_TOPIC,
  USER_EVENT_TYPES,
  type UserDeleted,
  type UserRegistered,
} from '@scale-chat/contracts';
import { enqueueEvent, type CommandOutcome } from '@scale-chat/platform';
import type { EntityManager } from 'typeorm';
import { LoginRevocations } from '../sessions/login-revocations';
import { UsersRepository } from '../users/users.repository';

/**
 * auth's steps in the sagas, each run in the transaction of the command's handler
 * (`manager`), which also writes the reply. Each may run twice with the effect of once.
 */
@Injectable()
export class AuthSagaSteps {
  constructor(
    private readonly users: UsersRepository,
    private readonly revocations: LoginRevocations,
  ) {}

  /**
   * pending → active, announced as `user.registered`; already active is success too (a
   * repeated command), announced nothing.
   */
  async activateUser(userId: string, manager: EntityManager): Promise<CommandOutcome> {
    const users = this.users.in(manager);
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
  async discardPendingUser(userId: string, manager: EntityManager): Promise<CommandOutcome> {
    await this.users.in(manager).delete(userId, 'pending');
    return { outcome: 'succeeded' };
  }

  /**
   * The room saga asks whether every user it names is active. Failing names the others
   * (`inactiveUserIds`), for the room's cancellation and the caller's 400.
   */
  async checkUsersActive(
    userIds: readonly string[],
    manager: EntityManager,
  ): Promise<CommandOutcome> {
    const found = new Set(await this.users.in(manager).activeIds(userIds));
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
  async deleteUser(userId: string, manager: EntityManager): Promise<CommandOutcome> {
    await this.revocations.revokeAllOf(manager, userId, 'account-deleted');
    if (await this.users.in(manager).delete(userId)) {
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
  async restoreUser(userId: string, manager: EntityManager): Promise<CommandOutcome> {
    await this.users.in(manager).setStatus(userId, 'active', 'deleting');
    return { outcome: 'succeeded' };
  }
}
