import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { EventEnvelope } from '@scale-chat/contracts';

/**
 * An event written in the same transaction as the change it reports, waiting to be
 * relayed to Kafka; `position` is the order of writing and of publishing.
 */
@Entity({ name: 'outbox' })
@Index('outbox_unpublished', ['position'], { where: '"published_at" IS NULL' })
export class OutboxRecord {
  @PrimaryGeneratedColumn({ type: 'bigint', name: 'position' })
  position!: string;

  @Column({ type: 'uuid', name: 'event_id', unique: true })
  eventId!: string;

  @Column({ type: 'text' })
  topic!: string;

  @Column({ type: 'text' })
  key!: string;

  @Column({ type: 'jsonb' })
  envelope!: EventEnvelope;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  headers!: Record<string, string>;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  /**
   * Set only by relays before 2026-12-05, which marked published rows and kept them; the
   * relay now deletes a row once sent, reads only rows where this is null, and deletes
   * any a relay of that release marks during a rolling update.
   */
  @Column({ type: 'timestamptz', name: 'published_at', nullable: true })
  publishedAt!: Date | null;
}

/**
 * An event a consumer has acted on, so a second delivery changes nothing; forgotten once
 * its topic can no longer deliver it again (`forgetProcessedEvents`).
 */
@Entity({ name: 'processed_messages' })
@Index('processed_messages_age', ['consumer', 'topic', 'processedAt'])
export class ProcessedMessage {
  @PrimaryColumn({ type: 'text' })
  consumer!: string;

  @PrimaryColumn({ type: 'uuid', name: 'message_id' })
  messageId!: string;

  /** The topic (as named in Kafka) of the last copy read; null on rows of earlier releases. */
  @Column({ type: 'text', nullable: true })
  topic!: string | null;

  /** When the last copy was read: a copy read again starts the time over. */
  @CreateDateColumn({ type: 'timestamptz', name: 'processed_at' })
  processedAt!: Date;
}

/**
 * An event a consumer gave up on after `maxAttempts` failures (not for a database that
 * could not answer: those are retried for good): the record as read and why, for an
 * operator to look at and replay, instead of losing it. Kept once per consumer, place and
 * bytes, by an index on an expression that TypeORM cannot describe (made by
 * `DeadLetterOncePerRecord1767900000000`, left alone by schema sync).
 */
@Entity({ name: 'dead_letters' })
@Index('UQ_dead_letters_record', { synchronize: false })
export class DeadLetter {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'PK_dead_letters' })
  id!: string;

  @Column({ type: 'text' })
  consumer!: string;

  @Column({ type: 'text' })
  topic!: string;

  @Column({ type: 'integer' })
  partition!: number;

  @Column({ type: 'text' })
  offset!: string;

  @Column({ type: 'uuid', name: 'event_id', nullable: true })
  eventId!: string | null;

  @Column({ type: 'text', nullable: true })
  type!: string | null;

  @Column({ type: 'bytea', nullable: true })
  value!: Buffer | null;

  /** The record's key as read; null if it had none, or was kept before 2026-12-07. */
  @Column({ type: 'bytea', nullable: true })
  key!: Buffer | null;

  /** The record's headers as read (text); null if kept before 2026-12-07. */
  @Column({ type: 'jsonb', nullable: true })
  headers!: Record<string, string | string[]> | null;

  @Column({ type: 'text' })
  error!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'failed_at' })
  failedAt!: Date;
}

export const MESSAGING_ENTITIES = [OutboxRecord, ProcessedMessage, DeadLetter];
