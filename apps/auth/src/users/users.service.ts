import { isUuid } from '@scale-chat/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { User } from './user.entity';

/** The characters a username is made of (API.md); a query of others names no username. */
const USERNAME_ALPHABET = /^[A-Za-z0-9_.-]*$/;

@Injectable()
export class UsersService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findById(id: string): Promise<User | null> {
    // A string that is not a UUID names no user: not found, not a database error.
    if (!isUuid(id)) return Promise.resolve(null);
    return this.dataSource.getRepository(User).findOneBy({ id });
  }

  findByUsername(username: string): Promise<User | null> {
    return this.dataSource.getRepository(User).findOneBy({ username: username.toLowerCase() });
  }

  /**
   * Active users whose username starts with `query`, or a word of whose display name does
   * (both case-insensitive; API.md v1.1), by username. A query outside the username
   * alphabet can name no username: it searches display names only. Words are what white
   * space separates; the whole display name is tried too, so "Kim Min" finds "Kim Min-ji".
   */
  search(query: string, limit: number): Promise<User[]> {
    const needle = query.toLowerCase();
    const byDisplayName = `(starts_with(lower(user.displayName), :needle) OR EXISTS (
        SELECT 1 FROM regexp_split_to_table(lower(user.displayName), '\\s+') AS word
         WHERE starts_with(word, :needle)))`;
    const escaped = needle.replace(/[\\%_]/g, (character) => `\\${character}`);
    const byUsername = `user.username LIKE :pattern ESCAPE '\\'`;
    return this.dataSource
      .getRepository(User)
      .createQueryBuilder('user')
      .where('user.status = :status', { status: 'active' })
      .andWhere(
        USERNAME_ALPHABET.test(query) ? `(${byUsername} OR ${byDisplayName})` : byDisplayName,
        {
          needle,
          pattern: `${escaped}%`,
        },
      )
      .orderBy('user.username')
      .limit(limit)
      .getMany();
  }
}
