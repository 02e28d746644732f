import { Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';

/** OWASP's minimum for argon2id: 19 MiB of memory, 2 iterations, 1 lane. */
const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

@Injectable()
export class PasswordHasher implements OnModuleInit {
  /** A hash of nothing anyone knows, checked when the username does not exist. */
  private decoy = '';

  async onModuleInit(): Promise<void> {
    this.decoy = await argon2.hash(`decoy-${Math.random()}`, ARGON2_OPTIONS);
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  /**
   * Checks `password` against `hash`, or, for a user that does not exist, against a
   * decoy: the answer costs the same time either way, so timing tells no usernames.
   */
  async matches(hash: string | undefined, password: string): Promise<boolean> {
    const matched = await argon2.verify(hash ?? this.decoy, password);
    return hash !== undefined && matched;
  }
}
