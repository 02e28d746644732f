import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { LoginRevoked } from '@scale-chat/contracts';
import { IsNull, type EntityManager } from 'typeorm';
import { LoginFamily, RefreshToken } from './login.entities';

/**
 * The sessions feature's data access: logins (refresh-token families) and their tokens,
 * stored only as hashes. Injected, it works through the pool; `in(manager)` gives the
 * same operations inside the caller's transaction.
 */
@Injectable()
export class SessionsRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  in(manager: EntityManager): SessionsRepository {
    return new SessionsRepository(manager);
  }

  async insertFamily(id: string, userId: string, clientNetworkHash: string): Promise<void> {
    await this.manager.insert(LoginFamily, {
      id,
      userId,
      revokedAt: null,
      revokeReason: null,
      clientNetworkHash,
    });
  }

  /**
   * Whether the user has a login stored (revoked or not: a login stays until its refresh
   * tokens expire) that came from the network whose `PasswordGuessing.networkHash` this is.
   */
  hasLoggedInFrom(userId: string, clientNetworkHash: string): Promise<boolean> {
    return this.manager.existsBy(LoginFamily, { userId, clientNetworkHash });
  }

  findFamily(id: string): Promise<LoginFamily | null> {
    return this.manager.findOneBy(LoginFamily, { id });
  }

  /** The user's logins that are not revoked. */
  unrevokedFamiliesOf(userId: string): Promise<LoginFamily[]> {
    return this.manager.findBy(LoginFamily, { userId, revokedAt: IsNull() });
  }

  /**
   * The user's logins that are not revoked, past the `keep` used last: by their newest
   * refresh token (each refresh issues one), or when they began.
   */
  async unrevokedFamiliesBeyond(userId: string, keep: number): Promise<LoginFamily[]> {
    const rows = (await this.manager.query(
      `SELECT f."id", f."user_id" FROM "login_families" f
        WHERE f."user_id" = $1 AND f."revoked_at" IS NULL
        ORDER BY coalesce((SELECT max(t."created_at") FROM "refresh_tokens" t
                            WHERE t."family_id" = f."id"), f."created_at") DESC, f."id" DESC
        OFFSET $2`,
      [userId, keep],
    )) as { id: string; user_id: string }[];
    return rows.map((row) => Object.assign(new LoginFamily(), { id: row.id, userId: row.user_id }));
  }

  /** Makes logins of `userId` begun meanwhile wait for this transaction (its counting). */
  async lockLoginsOf(userId: string): Promise<void> {
    await this.manager.query(`SELECT pg_advisory_xact_lock(hashtext('logins:' || $1))`, [userId]);
  }

  async revokeFamily(id: string, reason: LoginRevoked['reason']): Promise<void> {
    await this.manager.update(LoginFamily, { id }, { revokedAt: new Date(), revokeReason: reason });
  }

  async insertToken(tokenHash: string, familyId: string, expiresAt: Date): Promise<void> {
    await this.manager.insert(RefreshToken, { tokenHash, familyId, expiresAt, rotatedAt: null });
  }

  findToken(tokenHash: string): Promise<RefreshToken | null> {
    return this.manager.findOneBy(RefreshToken, { tokenHash });
  }

  /** The token, locked until the transaction ends: two refreshes of it take turns. */
  findTokenForUpdate(tokenHash: string): Promise<RefreshToken | null> {
    return this.manager
      .getRepository(RefreshToken)
      .createQueryBuilder('token')
      .setLock('pessimistic_write')
      .where('token.tokenHash = :hash', { hash: tokenHash })
      .getOne();
  }

  async markRotated(tokenHash: string): Promise<void> {
    await this.manager.update(RefreshToken, { tokenHash }, { rotatedAt: new Date() });
  }

  /**
   * Expired refresh tokens deleted, then the logins left with none: an expired token is
   * refused whether it is kept or not (`refresh` answers 401 for both), and a login's
   * last access token expired long before its last refresh token did. A used token that
   * has not expired stays: presented again, it still gives its login away as stolen.
   */
  async deleteExpired(): Promise<void> {
    await this.manager.query(`DELETE FROM "refresh_tokens" WHERE "expires_at" < now()`);
    await this.manager.query(
      `DELETE FROM "login_families" f
        WHERE f."created_at" < now() - interval '1 hour'
          AND NOT EXISTS (SELECT 1 FROM "refresh_tokens" t WHERE t."family_id" = f."id")`,
    );
  }
}
