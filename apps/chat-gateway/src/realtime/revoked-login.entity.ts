import { CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A login (refresh-token family) auth revoked: access tokens of it are refused here from
 * the moment chat-gateway hears of it, not only once they expire.
 */
@Entity({ name: 'revoked_logins' })
export class RevokedLogin {
  @PrimaryColumn({ type: 'uuid', name: 'family_id', primaryKeyConstraintName: 'PK_revoked_logins' })
  familyId!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'revoked_at' })
  revokedAt!: Date;
}
