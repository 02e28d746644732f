import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PasswordHasher } from '../passwords/password-hasher';
import { User, type UserRole, type UserStatus } from './user.entity';

/**
 * For tests: a user written straight into auth's table, as the signup saga would leave it
 * (signup itself needs the orchestrator, which auth's own tests do not run).
 */
export async function insertTestUser(
  app: INestApplication,
  username: string,
  options: { status?: UserStatus; role?: UserRole; password?: string; displayName?: string } = {},
): Promise<User> {
  const repository = app.get(DataSource).getRepository(User);
  const id = randomUUID();
  await repository.insert({
    id,
    username,
    displayName: options.displayName ?? username,
    passwordHash: await app.get(PasswordHasher).hash(options.password ?? 'correct horse'),
    status: options.status ?? 'active',
    role: options.role ?? 'member',
  });
  return repository.findOneByOrFail({ id });
}
