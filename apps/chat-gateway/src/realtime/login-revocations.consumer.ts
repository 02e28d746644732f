import { Injectable } from '@nestjs/common';
import { revokedLoginsConsumer, ServiceEventConsumers } from '@scale-chat/platform';
import { LiveRooms, loginRoom } from './live-rooms';

/**
 * When auth revokes a login (logout, a stolen refresh token, a deleted account), it is
 * recorded (the verifier refuses its tokens from then on) and, once recorded, the sockets
 * of that login close on every gateway instance within moments. One instance handles each
 * event (a shared consumer group); the disconnect travels through the cluster adapter.
 */
@Injectable()
export class LoginRevocationsConsumer {
  constructor(consumers: ServiceEventConsumers, live: LiveRooms) {
    consumers.register(
      revokedLoginsConsumer((revoked) => live.disconnect(loginRoom(revoked.familyId))),
    );
  }
}
