import { Injectable } from '@nestjs/common';
import { AUTH_LOGINS_TOPIC, LOGIN_REVOKED, type LoginRevoked } from '@scale-chat/contracts';
import { enqueueEvent } from '@scale-chat/platform';
import type { EntityManager } from 'typeorm';
import type { LoginFamily } from './login.entities';
import { SessionsRepository } from './sessions.repository';

/**
 * Ends logins (refresh-token families), each announced as `login.revoked` in the same
 * transaction, so the other services refuse its access tokens and close its sockets
 * (logout, a stolen refresh token, the login cap, an account deleted).
 */
@Injectable()
export class LoginRevocations {
  constructor(private readonly sessions: SessionsRepository) {}

  /** Revokes `family` in `manager`'s transaction. */
  async revoke(
    manager: EntityManager,
    family: Pick<LoginFamily, 'id' | 'userId'>,
    reason: LoginRevoked['reason'],
  ): Promise<void> {
    await this.sessions.in(manager).revokeFamily(family.id, reason);
    await enqueueEvent<LoginRevoked>(manager, {
      topic: AUTH_LOGINS_TOPIC,
      key: family.userId,
      type: LOGIN_REVOKED,
      data: { userId: family.userId, familyId: family.id, reason },
    });
  }

  /** Revokes every login of `userId` not revoked yet, in `manager`'s transaction. */
  async revokeAllOf(
    manager: EntityManager,
    userId: string,
    reason: LoginRevoked['reason'],
  ): Promise<void> {
    for (const family of await this.sessions.in(manager).unrevokedFamiliesOf(userId))
      await this.revoke(manager, family, reason);
  }
}
