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
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { LoginFamily } from '../sessions/login.entities';
import { User } from './user.entity';

/**
 * Account deletion: auth marks the user `deleting` and asks for the saga in one
 * transaction; chat then removes the user from every room; auth finally revokes every
 * login (gateways close their sockets) and deletes the user. If chat cannot, the user
 * is restored.
 */
@Injectable()
export class AccountDeletionService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Idempotent: asking again while the deletion runs changes nothing. */
  async requestDeletion(userId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const user = await manager.findOneBy(User, { id: userId });
      if (user === null) throw new NotFoundException('User not found');
      if (user.status === 'deleting') return;
      await manager.update(User, { id: userId }, { status: 'deleting' });
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
  const families = await manager.findBy(LoginFamily, { userId, revokedAt: IsNull() });
  for (const family of families) {
    await manager.update(
      LoginFamily,
      { id: family.id },
      { revokedAt: new Date(), revokeReason: 'account-deleted' },
    );
    await enqueueEvent<LoginRevoked>(manager, {
      topic: AUTH_LOGINS_TOPIC,
      key: userId,
      type: LOGIN_REVOKED,
      data: { userId, familyId: family.id, reason: 'account-deleted' },
    });
  }
  const { affected } = await manager.delete(User, { id: userId });
  if (affected === 1) {
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
  await manager.update(User, { id: userId, status: 'deleting' }, { status: 'active' });
  return { outcome: 'succeeded' };
}
