import { Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher';

/** argon2id, for signup and login alike. */
@Module({ providers: [PasswordHasher], exports: [PasswordHasher] })
export class PasswordsModule {}
