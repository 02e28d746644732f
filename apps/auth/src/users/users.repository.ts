import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { In, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import { USER_SEARCH_KEY_LENGTH } from './migrations/1768200000000-user-search-keys';
import { User, type UserRole, type UserStatus } from './user.entity';

/** The characters a username is made of (API.md); a query of others names no username. */
const USERNAME_ALPHABET = /^[A-Za-z0-9_.-]*$/;

/** An account whose role changed, as `setRole` returns it. */
export interface RoleChange {
  readonly userId: string;
  readonly username: string;
  readonly role: UserRole;
  /** When the account signed up: whoever grants a role checks it is the account meant. */
  readonly createdAt: Date;
}

/**
 * The users feature's data access: accounts, their status and role. Injected, it works
 * through the pool; `in(manager)` gives the same operations inside the caller's
 * transaction.
 */
@Injectable()
export class UsersRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  in(manager: EntityManager): UsersRepository {
    return new UsersRepository(manager);
  }

  findById(id: string): Promise<User | null> {
    return this.manager.findOneBy(User, { id });
  }

  /**
   * The user, its row locked until the transaction ends against a change of status (an
   * account deletion beginning waits for it, and it for one that began).
   */
  findByIdForShare(id: string): Promise<User | null> {
    return this.manager.findOne(User, { where: { id }, lock: { mode: 'pessimistic_read' } });
  }

  /** The user of a login, which exists while the login does (it goes with the user). */
  getById(id: string): Promise<User> {
    return this.manager.findOneByOrFail(User, { id });
  }

  /** Case-insensitive: usernames are stored in lower case. */
  findByUsername(username: string): Promise<User | null> {
    return this.manager.findOneBy(User, { username: username.toLowerCase() });
  }

  /**
   * Active users whose username starts with `query`, or a word of whose display name does
   * (both case-insensitive; API.md v1.1), by username. A query outside the username
   * alphabet can name no username: it searches display names only. Words are what white
   * space separates; the whole display name is tried too, so "Kim Min" finds "Kim Min-ji".
   */
  search(query: string, limit: number): Promise<User[]> {
    return this.searchQuery(query, limit).getMany();
  }

  /** The statement of `search` (bench/users/search.ts explains it). */
  searchQuery(query: string, limit: number): SelectQueryBuilder<User> {
    // Display names and the query are folded alike, in SQL (`user_search_fold`: accents off,
    // NFC, lower case, ς as σ; migrations/1769000000000-user-search-folds-case-alike.ts).
    // Usernames are stored in lower case, in an alphabet JavaScript and PostgreSQL
    // lower-case alike.
    const needle = 'user_search_fold(:query)';
    const byDisplayName = `(starts_with(user_search_fold(user.displayName), ${needle}) OR EXISTS (
        SELECT 1 FROM regexp_split_to_table(user_search_fold(user.displayName), '\\s+') AS word
         WHERE starts_with(word, ${needle})))`;
    const escaped = query.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`);
    const byUsername = `user.username LIKE :pattern ESCAPE '\\'`;
    const search = this.manager
      .getRepository(User)
      .createQueryBuilder('user')
      .where('user.status = :status', { status: 'active' })
      .andWhere(
        USERNAME_ALPHABET.test(query) ? `(${byUsername} OR ${byDisplayName})` : byDisplayName,
        { query, pattern: `${escaped}%` },
      )
      .orderBy('user.username')
      .limit(limit);
    // Every row a non-empty needle finds holds its start among its keys: the index narrows,
    // the predicates above decide (migrations/1768200000000-user-search-keys.ts).
    return query === ''
      ? search
      : search.andWhere(
          `user_search_folded_keys(user.username, user.displayName) @> ARRAY[left(${needle}, :keyLength)]`,
          { keyLength: USER_SEARCH_KEY_LENGTH },
        );
  }

  /** The ids among `ids` of active users. */
  async activeIds(ids: readonly string[]): Promise<string[]> {
    const active = await this.manager.find(User, {
      select: { id: true },
      where: { id: In([...ids]), status: 'active' },
    });
    return active.map((user) => user.id);
  }

  /** A new user, as stored; a unique violation when the username is taken. */
  async insert(user: Omit<User, 'createdAt'>): Promise<User> {
    const { generatedMaps } = await this.manager.insert(User, user);
    const createdAt = generatedMaps[0]?.['createdAt'];
    if (!(createdAt instanceof Date)) throw new Error('the insert did not return created_at');
    return { ...user, createdAt };
  }

  /** Moves the user from `from` (any status when absent) to `to`; whether it did. */
  async setStatus(id: string, to: UserStatus, from?: UserStatus): Promise<boolean> {
    const { affected } = await this.manager.update(
      User,
      from === undefined ? { id } : { id, status: from },
      { status: to },
    );
    return affected === 1;
  }

  /** Deletes the user (with `status` only); whether it did. */
  async delete(id: string, status?: UserStatus): Promise<boolean> {
    const { affected } = await this.manager.delete(
      User,
      status === undefined ? { id } : { id, status },
    );
    return affected === 1;
  }

  /**
   * Deletes up to `limit` users still pending since before `before` (signups whose saga
   * never ran to an end); those another transaction holds are left for next time. The
   * usernames freed.
   */
  async deletePendingSince(before: Date, limit: number): Promise<string[]> {
    const [rows] = (await this.manager.query(
      `DELETE FROM "users" WHERE "id" IN (
         SELECT "id" FROM "users" WHERE "status" = 'pending' AND "created_at" < $1
          LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING "username"`,
      [before, limit],
    )) as [{ username: string }[], number];
    return rows.map((row) => row.username);
  }

  /**
   * Gives `role` to the active account named `username`, bound to its id: the role goes
   * with the account when it is deleted. Undefined when no active account has the name.
   */
  async setRole(username: string, role: UserRole): Promise<RoleChange | undefined> {
    const result = await this.manager
      .createQueryBuilder()
      .update(User)
      .set({ role })
      .where({ username: username.toLowerCase(), status: 'active' })
      .returning('"id", "username", "role", "created_at"')
      .execute();
    const [changed] = result.raw as {
      id: string;
      username: string;
      role: UserRole;
      created_at: Date;
    }[];
    return changed === undefined
      ? undefined
      : {
          userId: changed.id,
          username: changed.username,
          role: changed.role,
          createdAt: changed.created_at,
        };
  }
}
