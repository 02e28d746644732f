import { randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  isTransientDatabaseError,
  isUniqueViolation,
  PostgresNotifications,
  requestSaga,
  SERVICE_CONFIG,
} from '@scale-chat/platform';
import type { DataSource } from 'typeorm';
import type { AuthConfig } from '../auth-config';
import { PasswordHasher } from '../passwords/password-hasher';
import type { UserView } from '@scale-chat/contracts';
import { type User, viewOf } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import type { SignupRequest } from './signup.dto';

/** Where a user's status changes are announced (a trigger: NotifyUserStatus migration). */
const USER_STATUS_CHANNEL = 'user_status';

export interface SignupOutcome {
  /** `true` once the saga finished within the wait: 201; otherwise 202 (still pending). */
  readonly finished: boolean;
  readonly user: UserView;
}

/**
 * Signup: the user is stored `pending` together with the request that starts the signup
 * saga (the chat profile is made, then the user activated). The call waits for the
 * outcome up to SIGNUP_WAIT_MS: active, 201; still pending, 202; discarded by the saga's
 * compensation (the username is free again), 503.
 */
@Injectable()
export class SignupService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
    private readonly notifications: PostgresNotifications,
  ) {
    notifications.listenTo(USER_STATUS_CHANNEL);
  }

  async signup(request: SignupRequest): Promise<SignupOutcome> {
    const username = request.username.toLowerCase();
    const passwordHash = await this.hasher.hash(request.password);
    const user = {
      id: randomUUID(),
      username,
      // A name of spaces alone would show the user as nobody: the username stands in.
      displayName: request.displayName?.trim() ? request.displayName : username,
      passwordHash,
      status: 'pending' as const,
      role: this.bootstrapsAdmin(username) ? ('admin' as const) : ('member' as const),
    };
    let stored: User;
    try {
      stored = await this.dataSource.transaction(async (manager) => {
        const inserted = await this.users.in(manager).insert(user);
        await requestSaga(manager, 'signup', {
          userId: user.id,
          username,
          displayName: user.displayName,
        });
        return inserted;
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictException('Username is taken');
      }
      throw error;
    }
    const committed = viewOf(stored);
    if (committed === undefined) throw new Error('a new user is pending, never being deleted');
    return this.awaitOutcome(committed);
  }

  /**
   * The local stack's bootstrap: outside production a name in `ADMIN_USERNAMES` signs up
   * as an administrator. In production only `auth-admin grant` gives the role, to an
   * account (by id), so a deleted administrator's name signed up again is a member.
   */
  private bootstrapsAdmin(username: string): boolean {
    return (
      this.config.nodeEnv !== 'production' &&
      this.config.extra.ADMIN_USERNAMES.some((name) => name.toLowerCase() === username)
    );
  }

  /**
   * Waits for the saga's outcome: woken by the user's status change (a notification),
   * and looking again every second in case one is missed.
   */
  private async awaitOutcome(committed: UserView): Promise<SignupOutcome> {
    const userId = committed.id;
    // As committed until read: a database away for the whole wait still answers 202.
    let seen = committed;
    // Gone (its signup undone) or, oddly, already on its way out: the signup did not hold.
    const current = async () => {
      const user = await this.users.findById(userId);
      const view = user === null ? undefined : viewOf(user);
      if (view === undefined)
        throw new ServiceUnavailableException('Signup could not be completed; please try again');
      seen = view;
      return view;
    };
    const active = await this.notifications.until(
      USER_STATUS_CHANNEL,
      userId,
      this.config.extra.SIGNUP_WAIT_MS,
      async () => {
        const user = await current();
        return user.status === 'active' ? user : undefined;
      },
    );
    // Read again after the wait: the saga may have finished since its last look, and the
    // answer then says so (201) rather than 202 with an active user.
    const user = active ?? (await readAgainAfterWait(current, seen));
    return { finished: user.status === 'active', user };
  }
}

/**
 * The user read once more after the wait; if the database cannot answer then (a restart,
 * a lost connection), the user as last seen (as committed, if never read since): still
 * pending (202), as the saga goes on.
 * Failing instead would answer 503, which API.md keeps for a signup undone, its username
 * free again.
 */
export async function readAgainAfterWait(
  read: () => Promise<UserView>,
  lastSeen: UserView,
): Promise<UserView> {
  try {
    return await read();
  } catch (error) {
    if (isTransientDatabaseError(error)) return lastSeen;
    throw error;
  }
}
