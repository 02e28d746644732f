import { Module } from '@nestjs/common';
import { PasswordsModule } from '../passwords/passwords.module';
import { UsersModule } from '../users/users.module';
import { SignupController } from './signup.controller';
import { SignupService } from './signup.service';

/** Signup: a pending user and the saga that makes it active. */
@Module({
  imports: [UsersModule, PasswordsModule],
  controllers: [SignupController],
  providers: [SignupService],
})
export class SignupModule {}
