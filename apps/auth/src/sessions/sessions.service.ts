import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import { AccessTokenSigner } from '@scale-chat/access-tokens';
import type { DataSource, EntityManager } from 'typeorm';
import { PasswordHasher } from '../passwords/password-hasher';
import { viewOf, type User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { LoginRevocations } from './login-revocations';
import { PasswordGuessing } from './password-guessing';
import { SessionsRepository } from './sessions.repository';
import type { TokenPair } from '@scale-chat/contracts';
import { SERVICE_CONFIG } from '@scale-chat/platform';
import type { AuthConfig } from '../auth-config';

const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** How often a process clears expired logins: lazily, after a login. */
const CLEAR_EXPIRED_EVERY_MS = 60 * 60 * 1000;
export const INVALID_CREDENTIALS = 'Invalid username or password';
const INVALID_REFRESH = 'Invalid refresh token';

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Logins and their tokens. A login is a family of refresh tokens: each refresh rotates
 * the token; presenting a rotated one again is treated as theft and revokes the whole
 * family (RFC 9700 §4.14.2), as does logout. Revocations go to Kafka through the outbox.
 */
@Injectable()
export class SessionsService {
  /** When this process last cleared expired logins (`clearExpiredNowAndThen`). */
  private clearedAt = 0;
  private readonly loginsMax: number;

  constructor(
    @Inject(SERVICE_CONFIG) config: AuthConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sessions: SessionsRepository,
    private readonly revocations: LoginRevocations,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly guessing: PasswordGuessing,
    private readonly signer: AccessTokenSigner,
    private readonly logger: PinoLogger,
  ) {
    this.loginsMax = config.extra.LOGINS_PER_USER_MAX;
  }

  /**
   * The user whose password this is (`LocalStrategy`'s check), tried from the client
   * network `network` (`clientNetwork`). An unknown user costs an argon2id check too, so
   * time tells no usernames; an account whose password is being guessed from everywhere
   * is tried only from networks it logs in from (`PasswordGuessing`).
   */
  async authenticate(username: string, password: string, network: string): Promise<User> {
    await this.guessing.admit(username, network);
    const user = await this.users.findByUsername(username);
    // An account being deleted is gone for logins at once (API.md: later logins get 401).
    if (
      !(await this.hasher.matches(user?.passwordHash, password)) ||
      user === null ||
      user.status === 'deleting'
    ) {
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    await this.guessing.passed(username);
    if (user.status !== 'active') throw new ForbiddenException('Account is not active');
    return user;
  }

  /**
   * A new login (refresh-token family) for a user `authenticate` let through, from the
   * client network `network`, which it keeps (hashed) for `PasswordGuessing`. The user is
   * read again, locked: an account deletion that began since the password check has its
   * logins revoked by its last step, and one that begins meanwhile waits for this login
   * to be stored, so no login outlives its user unannounced.
   */
  async login(authenticated: User, network: string): Promise<TokenPair> {
    const pair = await this.dataSource.transaction(async (manager) => {
      const user = await this.users.in(manager).findByIdForShare(authenticated.id);
      if (user === null || user.status === 'deleting') {
        throw new UnauthorizedException(INVALID_CREDENTIALS);
      }
      const family = randomUUID();
      const sessions = this.sessions.in(manager);
      // Two logins at once count one after the other: each would else see only its own
      // new row, and both end the same oldest login.
      await sessions.lockLoginsOf(user.id);
      await sessions.insertFamily(family, user.id, this.guessing.networkHash(network));
      // Past the cap, the logins used longest ago end, announced as logouts are.
      for (const oldest of await sessions.unrevokedFamiliesBeyond(user.id, this.loginsMax))
        await this.revocations.revoke(manager, oldest, 'logout');
      return this.issue(manager, user, family);
    });
    this.clearExpiredNowAndThen();
    return pair;
  }

  /** Expired tokens and logins go (`deleteExpired`), at most once an hour, off the answer's path. */
  private clearExpiredNowAndThen(): void {
    if (Date.now() - this.clearedAt < CLEAR_EXPIRED_EVERY_MS) return;
    this.clearedAt = Date.now();
    this.sessions.deleteExpired().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'could not clear expired logins; trying again in an hour');
    });
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const sessions = this.sessions.in(manager);
      const stored = await sessions.findTokenForUpdate(sha256(refreshToken));
      if (stored === null) return 'invalid' as const;
      const family = await sessions.findFamily(stored.familyId);
      if (family === null || family.revokedAt !== null || stored.expiresAt.getTime() < Date.now()) {
        return 'invalid' as const;
      }
      if (stored.rotatedAt !== null) {
        // Someone replays a token that was already exchanged: one of the two holders
        // is a thief, and we cannot tell which. The login ends for both.
        await this.revocations.revoke(manager, family, 'reuse');
        return 'invalid' as const;
      }
      // A login's user is active until its deletion begins: its refresh tokens end there.
      const user = await this.users.in(manager).getById(family.userId);
      if (user.status !== 'active') return 'invalid' as const;
      await sessions.markRotated(stored.tokenHash);
      return this.issue(manager, user, family.id);
    });
    if (outcome === 'invalid') throw new UnauthorizedException(INVALID_REFRESH);
    return outcome;
  }

  /** Ends the login of `refreshToken`; says nothing about tokens it does not know. */
  async logout(refreshToken: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const sessions = this.sessions.in(manager);
      const stored = await sessions.findToken(sha256(refreshToken));
      if (stored === null) return;
      const family = await sessions.findFamily(stored.familyId);
      if (family !== null && family.revokedAt === null)
        await this.revocations.revoke(manager, family, 'logout');
    });
  }

  /** True when the login no longer exists or was revoked: its access tokens stop working. */
  async isFamilyRevoked(familyId: string): Promise<boolean> {
    const family = await this.sessions.findFamily(familyId);
    return family === null || family.revokedAt !== null;
  }

  private async issue(manager: EntityManager, user: User, familyId: string): Promise<TokenPair> {
    const view = viewOf(user);
    // Login and refresh let only active users through.
    if (view === undefined) throw new Error(`tokens issued to a user being deleted (${user.id})`);
    const refreshToken = randomBytes(32).toString('base64url');
    await this.sessions
      .in(manager)
      .insertToken(sha256(refreshToken), familyId, new Date(Date.now() + REFRESH_TOKEN_TTL_MS));
    const accessToken = await this.signer.sign({
      userId: user.id,
      username: user.username,
      familyId,
      admin: user.role === 'admin',
    });
    return {
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.signer.ttlSeconds,
      user: view,
    };
  }
}
