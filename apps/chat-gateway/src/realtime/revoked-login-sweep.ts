import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { revokedLoginsAmong, SERVICE_CONFIG } from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
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
export class RevokedLoginSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: ChatConfig,
    private readonly live: LiveRooms,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('revoked-login-sweep');
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      // One at a time: a slow sweep is not overtaken by the next.
      if (this.sweeping !== undefined) return;
      this.sweeping = this.sweep()
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'could not look up revoked logins; at the next sweep'),
        )
        .finally(() => (this.sweeping = undefined));
    }, this.config.extra.LOGIN_RECHECK_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** Closes the local sockets of every revoked login among those connected here. */
  async sweep(): Promise<void> {
    const revoked = await revokedLoginsAmong(this.dataSource, [...this.live.localLogins()]);
    for (const familyId of revoked) this.live.disconnectLocal(loginRoom(familyId));
    if (revoked.length > 0)
      this.logger.info({ logins: revoked.length }, 'closed the sockets of revoked logins');
  }
}
