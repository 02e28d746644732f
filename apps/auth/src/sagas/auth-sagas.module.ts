import { Module } from '@nestjs/common';
import { LoginsModule } from '../sessions/logins.module';
import { UsersModule } from '../users/users.module';
import { AuthSagaController } from './auth-saga.controller';
import { AuthSagaSteps } from './auth-saga-steps';

/**
 * auth's part in the sagas: a Kafka handler (`@OnSagaCommand`) answering the
 * orchestrator's commands with the users' steps and, for an account deleted, the
 * revocation of its logins.
 */
@Module({
  imports: [UsersModule, LoginsModule],
  controllers: [AuthSagaController],
  providers: [AuthSagaSteps],
})
export class AuthSagasModule {}
