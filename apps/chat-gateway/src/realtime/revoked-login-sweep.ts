import { Inject, Injectable } from '@nestjs/common';
import { PeriodicTask, RevokedLogins, SERVICE_CONFIG } from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import type { ChatConfig } from '../chat-config';
import { LiveRooms, loginRoom } from './live-rooms';

/**
 * Closes this instance's sockets of revoked logins every LOGIN_RECHECK_MS, whether they
 * act or not. A revocation closes its sockets on every instance by a broadcast once it is
 * recorded (`LoginRevocationsConsumer`); should that broadcast be lost (the recording
 * instance died between its commit and the broadcast: the event, handled, is not handled
 * again), a socket that sends is refused at its next event, and one that only listens is
 * closed here, rather than go on hearing its rooms until its token expires. One statement
 * a sweep, for every login with a socket here.
 */
@Injectable()
export class RevokedLoginSweep extends PeriodicTask {
  constructor(
    private readonly revokedLogins: RevokedLogins,
    @Inject(SERVICE_CONFIG) config: ChatConfig,
    private readonly live: LiveRooms,
    logger: PinoLogger,
  ) {
    super(logger, config.extra.LOGIN_RECHECK_MS, {
      done: 'closed the sockets of revoked logins',
      failed: 'could not look up revoked logins; at the next sweep',
    });
    this.logger.setContext('revoked-login-sweep');
  }

  /** Closes the local sockets of every revoked login among those connected here; how many logins. */
  protected async runOnce(): Promise<number> {
    const revoked = await this.revokedLogins.among([...this.live.localLogins()]);
    for (const familyId of revoked) this.live.disconnectLocal(loginRoom(familyId));
    return revoked.length;
  }
}
