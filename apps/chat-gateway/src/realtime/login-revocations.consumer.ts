import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { LOGIN_REVOKED, type LoginRevoked } from '@scale-chat/contracts';
import { EVENT_SCHEMAS } from '@scale-chat/contracts/events';
import {
  LOGIN_REVOCATIONS,
  OnEvent,
  RevokedLogins,
  type KafkaEventContext,
} from '@scale-chat/platform';
import { LiveRooms, loginRoom } from './live-rooms';

/**
 * When auth revokes a login (logout, a stolen refresh token, a deleted account), it is
 * recorded (the verifier refuses its tokens from then on) and, once recorded, the sockets
 * of that login close on every gateway instance within moments. One instance handles each
 * event (a shared consumer group); the disconnect travels through the cluster adapter.
 */
@Controller()
export class LoginRevocationsConsumer {
  constructor(
    private readonly live: LiveRooms,
    private readonly revokedLogins: RevokedLogins,
  ) {}

  @OnEvent(LOGIN_REVOCATIONS, LOGIN_REVOKED, EVENT_SCHEMAS[LOGIN_REVOKED])
  async revoked(
    @Payload() revoked: LoginRevoked,
    @Ctx() context: KafkaEventContext,
  ): Promise<void> {
    await this.revokedLogins.record(context.manager, revoked.familyId);
    context.event.afterCommit(() => this.live.disconnect(loginRoom(revoked.familyId)));
  }
}
