import { Injectable } from '@nestjs/common';
import type { UserSagaPayload } from '@scale-chat/contracts';
import type { CommandOutcome } from '@scale-chat/platform';
import type { EntityManager } from 'typeorm';
import { ProfilesRepository } from './profiles.repository';

/**
 * The profiles' steps in the signup and account-deletion sagas, each run in the
 * transaction of the command's handler (`manager`). Each may run twice with the effect
 * of once.
 */
@Injectable()
export class ProfileSagaSteps {
  constructor(private readonly profiles: ProfilesRepository) {}

  /** The user as chat knows it; one already there stays as it is. */
  async create(
    { userId, username, displayName }: UserSagaPayload,
    manager: EntityManager,
  ): Promise<CommandOutcome> {
    await this.profiles.in(manager).insertIfAbsent({ userId, username, displayName });
    return { outcome: 'succeeded' };
  }

  async delete({ userId }: UserSagaPayload, manager: EntityManager): Promise<CommandOutcome> {
    await this.profiles.in(manager).delete(userId);
    return { outcome: 'succeeded' };
  }
}
