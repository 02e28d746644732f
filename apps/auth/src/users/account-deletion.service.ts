import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  AUTH_LOGINS_TOPIC,
  AUTH_USERS_TOPIC,
  LOGIN_REVOKED,
  type LoginRevoked,
  type UserDeleted,
  USER_EVENT_TYPES,
} from '@scale-chat/contracts';
import { enqueueEvent, requestSaga, type CommandOutcome } from '@scale-chat/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { SessionsRepository } from '../sessions/sessions.repository';
import { UsersRepository } from './users.repository';

/**
 * Account deletion: auth marks the user `deleting` and asks for the saga in one
 * transaction; chat then removes the user from every room; auth finally revokes every
 * login (gateways close their sockets) and deletes the user. If chat cannot, the user
 * is restored.
 */
@Injectable()
export class AccountDeletionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
  ) {}

  /** Idempotent: asking again while the deletion runs changes nothing. */
  async requestDeletion(userId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const users = this.users.in(manager);
      const user = await users.findById(userId);
      if (user === null) throw new NotFoundException('User not found');
      if (user.status === 'deleting') return;
      // Only from the status read: of two requests at once, the second waits for the
      // first's commit, finds the user deleting already, and asks for no second saga.
      if (!(await users.setStatus(userId, 'deleting', user.status))) return;
      // Who the user was, for the chat profile to come back if the deletion fails.
      await requestSaga(manager, 'account-deletion', {
        userId,
        username: user.username,
        displayName: user.displayName,
      });
    });
  }
}

/**
 * The last step: every login revoked (and announced), then the user and its logins gone
 * (announced as `user.deleted`; a repeat finds nobody and announces nothing).
 */
export async function deleteUser(userId: string, manager: EntityManager): Promise<CommandOutcome> {
  const sessions = new SessionsRepository(manager);
  const families = await sessions.unrevokedFamiliesOf(userId);
  for (const family of families) {
    await sessions.revokeFamily(family.id, 'account-deleted');
    await enqueueEvent<LoginRevoked>(manager, {
      topic: AUTH_LOGINS_TOPIC,
      key: userId,
      type: LOGIN_REVOKED,
      data: { userId, familyId: family.id, reason: 'account-deleted' },
    });
  }
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

/** The compensation: a user whose deletion could not finish is active again. */
export async function restoreUser(userId: string, manager: EntityManager): Promise<CommandOutcome> {
  await new UsersRepository(manager).setStatus(userId, 'active', 'deleting');
  return { outcome: 'succeeded' };
}
