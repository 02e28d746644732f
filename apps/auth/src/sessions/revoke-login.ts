import { AUTH_LOGINS_TOPIC, LOGIN_REVOKED, type LoginRevoked } from '@scale-chat/contracts';
import { enqueueEvent } from '@scale-chat/platform';
import type { EntityManager } from 'typeorm';
import type { LoginFamily } from './login.entities';
import { SessionsRepository } from './sessions.repository';

/**
 * Revokes a login (its refresh-token family) in `manager`'s transaction, and announces it
 * as `login.revoked`, so the other services refuse its access tokens and close its
 * sockets (logout, a stolen refresh token, an account deleted).
 */
export async function revokeLogin(
  manager: EntityManager,
  family: Pick<LoginFamily, 'id' | 'userId'>,
  reason: LoginRevoked['reason'],
): Promise<void> {
  await new SessionsRepository(manager).revokeFamily(family.id, reason);
  await enqueueEvent<LoginRevoked>(manager, {
    topic: AUTH_LOGINS_TOPIC,
    key: family.userId,
    type: LOGIN_REVOKED,
    data: { userId: family.userId, familyId: family.id, reason },
  });
}
