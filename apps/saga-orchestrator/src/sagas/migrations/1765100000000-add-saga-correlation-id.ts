import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The correlation id of the request that started a saga, for its commands and log lines. */
export class AddSagaCorrelationId1765100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sagas" ADD "correlation_id" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sagas" DROP COLUMN "correlation_id"`);
  }
}
