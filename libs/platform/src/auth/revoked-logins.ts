import { Controller, Injectable, Module } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Ctx, Payload } from '@nestjs/microservices';
import { AUTH_LOGINS_TOPIC, LOGIN_REVOKED, type LoginRevoked } from '@scale-chat/contracts';
import { EVENT_SCHEMAS } from '@scale-chat/contracts/events';
import {
  CreateDateColumn,
  Entity,
  PrimaryColumn,
  type DataSource,
  type EntityManager,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import { consumerGroup, OnEvent, type KafkaEventContext } from '../messaging/event-routes';

/**
 * A login (refresh-token family) auth revoked: every service that verifies access
 * tokens records it from `auth.logins` and refuses that login's tokens from then on, not
 * only once they expire (API.md: after logout "that login's tokens stop working").
 */
@Entity({ name: 'revoked_logins' })
export class RevokedLogin {
  @PrimaryColumn({ type: 'uuid', name: 'family_id', primaryKeyConstraintName: 'PK_revoked_logins' })
  familyId!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'revoked_at' })
  revokedAt!: Date;
}

/** The `revoked_logins` table, in the schema of the service that runs it. */
export class CreateRevokedLogins1764200000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "revoked_logins" (
        "family_id" uuid NOT NULL,
        "revoked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_revoked_logins" PRIMARY KEY ("family_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "revoked_logins"`);
  }
}

/**
 * The consumer group that records auth's revocations (one instance of the service per
 * event: the table is shared). From the topic's beginning where the group has read
 * nothing yet: a partition it never committed an offset on would otherwise start at its
 * end, and a revocation announced while no instance ran (every pod recreated at once)
 * would be skipped, its login's tokens working until they expire. The topic keeps the
 * broker's retention (a week by default) of them; rows older than two days go again at
 * the next revocation recorded.
 */
export const LOGIN_REVOCATIONS = consumerGroup({
  name: 'login-revocations',
  topics: [AUTH_LOGINS_TOPIC],
  fromBeginning: true,
});

/**
 * auth's revocations as this service has heard them (`revoked_logins`, in its own
 * schema): recorded by a handler of `LOGIN_REVOCATIONS`, read by the access-token checks.
 */
@Injectable()
export class RevokedLogins {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records a revocation (in the consumer's transaction); a repeat changes nothing. Those
   * older than two days go meanwhile: every access token of theirs has expired by then
   * (auth's longest lifetime is a day), so they refuse nothing more.
   */
  async record(manager: EntityManager, familyId: string): Promise<void> {
    await manager.query(
      `INSERT INTO "revoked_logins" ("family_id") VALUES ($1) ON CONFLICT DO NOTHING`,
      [familyId],
    );
    await manager.query(
      `DELETE FROM "revoked_logins" WHERE "revoked_at" < now() - interval '2 days'`,
    );
  }

  /** True when auth revoked the login `familyId` (as far as this service has heard). */
  async isRevoked(familyId: string): Promise<boolean> {
    return (await this.among([familyId])).length > 0;
  }

  /** Which of the logins `familyIds` auth revoked (as far as this service has heard). */
  async among(familyIds: readonly string[]): Promise<string[]> {
    if (familyIds.length === 0) return [];
    const rows = (await this.dataSource.query(
      `SELECT "family_id" FROM "revoked_logins" WHERE "family_id" = ANY($1::uuid[])`,
      [familyIds],
    )) as { family_id: string }[];
    return rows.map((row) => row.family_id);
  }
}

/**
 * Records auth's revocations for a service that has nothing more to do with them (a
 * Kafka handler: a service lists it among its root module's controllers).
 */
@Controller()
export class RevokedLoginsController {
  constructor(private readonly revokedLogins: RevokedLogins) {}

  @OnEvent(LOGIN_REVOCATIONS, LOGIN_REVOKED, EVENT_SCHEMAS[LOGIN_REVOKED])
  revoked(@Payload() revoked: LoginRevoked, @Ctx() { manager }: KafkaEventContext): Promise<void> {
    return this.revokedLogins.record(manager, revoked.familyId);
  }
}

/**
 * `RevokedLogins` for the access-token checks and the handler that records them; the
 * service lists `RevokedLogin` and `CreateRevokedLogins1764200000000` with its entities
 * and migrations.
 */
@Module({ providers: [RevokedLogins], exports: [RevokedLogins] })
export class RevokedLoginsModule {}
