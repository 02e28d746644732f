import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { ChatProfile } from './profile.entity';

/**
 * The profiles' data access: users as chat knows them, written only by the saga steps,
 * each in its handler's transaction (`in(manager)`).
 */
@Injectable()
export class ProfilesRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  in(manager: EntityManager): ProfilesRepository {
    return new ProfilesRepository(manager);
  }

  /** Stores the profile; one already there stays as it is. */
  async insertIfAbsent(
    profile: Pick<ChatProfile, 'userId' | 'username' | 'displayName'>,
  ): Promise<void> {
    await this.manager
      .createQueryBuilder()
      .insert()
      .into(ChatProfile)
      .values(profile)
      .orIgnore()
      .execute();
  }

  /** Whether chat knows the user: every account gets a profile in its signup saga. */
  exists(userId: string): Promise<boolean> {
    return this.manager.existsBy(ChatProfile, { userId });
  }

  async delete(userId: string): Promise<void> {
    await this.manager.delete(ChatProfile, { userId });
  }
}
