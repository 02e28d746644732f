import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoginFamily, RefreshToken } from './login.entities';
import { LoginRevocations } from './login-revocations';
import { SessionsRepository } from './sessions.repository';

/**
 * Logins as stored, and their revocation: what the sessions feature's REST and the
 * account-deletion saga's last step share.
 */
@Module({
  imports: [TypeOrmModule.forFeature([LoginFamily, RefreshToken])],
  providers: [SessionsRepository, LoginRevocations],
  exports: [SessionsRepository, LoginRevocations],
})
export class LoginsModule {}
