import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity';

/** One login: the family of refresh tokens it hands out, revoked as a whole. */
@Entity({ name: 'login_families' })
@Index('IDX_login_families_user', ['userId'])
export class LoginFamily {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_login_families' })
  id!: string;

  @Column({ type: 'uuid', name: 'user_id' })
  @ForeignKey(() => User, 'id', { name: 'FK_login_families_user', onDelete: 'CASCADE' })
  userId!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;

  @Column({ type: 'text', name: 'revoke_reason', nullable: true })
  revokeReason!: string | null;

  /**
   * The client network the login came from (`clientNetwork`: an IPv4 address, an IPv6
   * /64) as `PasswordGuessing.networkHash` keys it, so an account under attack is still
   * open from where its owner logs in; null for logins stored before it was kept.
   */
  @Column({ type: 'text', name: 'client_network_hash', nullable: true })
  clientNetworkHash!: string | null;
}

/** A refresh token, stored only as its SHA-256; `rotatedAt` is set once it was used. */
@Entity({ name: 'refresh_tokens' })
@Index('IDX_refresh_tokens_family', ['familyId'])
export class RefreshToken {
  @PrimaryColumn({
    type: 'text',
    name: 'token_hash',
    primaryKeyConstraintName: 'PK_refresh_tokens',
  })
  tokenHash!: string;

  @Column({ type: 'uuid', name: 'family_id' })
  @ForeignKey(() => LoginFamily, 'id', { name: 'FK_refresh_tokens_family', onDelete: 'CASCADE' })
  familyId!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', name: 'rotated_at', nullable: true })
  rotatedAt!: Date | null;
}
