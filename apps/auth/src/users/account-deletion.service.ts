import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { requestSaga } from '@scale-chat/platform';
import type { DataSource } from 'typeorm';
import { UsersRepository } from './users.repository';

/**
 * Account deletion: auth marks the user `deleting` and asks for the saga in one
 * transaction; chat then removes the user from every room; auth finally revokes every
 * login (gateways close their sockets) and deletes the user. If chat cannot, the user
 * is restored. auth's steps are `AuthSagaSteps`.
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
