import { Injectable } from '@nestjs/common';
import { AUTH_LOGINS_TOPIC, LOGIN_REVOKED, type LoginRevoked, isUuid } from '@scale-chat/contracts';
import { eventHandler, ServiceEventConsumers } from '@scale-chat/platform';
import { LiveRooms, loginRoom } from './live-rooms';

const REASONS: readonly string[] = ['logout', 'reuse', 'account-deleted'];

function parseLoginRevoked(data: unknown): LoginRevoked {
  const { userId, familyId, reason } = (data ?? {}) as Record<string, unknown>;
  if (!isUuid(userId)) throw new Error('userId is not a UUID');
  if (!isUuid(familyId)) throw new Error('familyId is not a UUID');
  if (typeof reason !== 'string' || !REASONS.includes(reason))
    throw new Error('reason is not known');
  return { userId, familyId, reason: reason as LoginRevoked['reason'] };
}

/**
 * When auth revokes a login (logout, a stolen refresh token, a deleted account), the
 * sockets of that login close on every gateway instance within moments. One instance
 * handles each event (a shared consumer group); the disconnect travels through the
 * Socket.IO cluster adapter.
 */
@Injectable()
export class LoginRevocationsConsumer {
  constructor(consumers: ServiceEventConsumers, live: LiveRooms) {
    consumers.register({
      name: 'login-revocations',
      topics: [AUTH_LOGINS_TOPIC],
      // Only what happens from now on matters: sockets of older logins are long gone.
      fromBeginning: false,
      handlers: [
        eventHandler<LoginRevoked>({
          type: LOGIN_REVOKED,
          parse: parseLoginRevoked,
          handle: async (event, manager) => {
            // Recorded first, so a socket that reconnects with the same token is refused.
            await manager.query(
              `INSERT INTO "revoked_logins" ("family_id") VALUES ($1) ON CONFLICT DO NOTHING`,
              [event.data.familyId],
            );
            live.disconnect(loginRoom(event.data.familyId));
          },
        }),
      ],
    });
  }
}
