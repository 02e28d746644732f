import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  Unique,
} from 'typeorm';
import { Room } from '../rooms/room.entities';

@Entity({ name: 'messages' })
// The bodies' trigrams for search (SearchFoldsFinalSigma migration), each ς read as σ: a
// GIN index of an expression with an operator class TypeORM cannot declare, so kept out
// of its comparison.
@Index('IDX_messages_body_folded_trgm', { synchronize: false })
@Index('IDX_messages_newest', ['createdAt', 'roomId', 'seq'])
@Unique('UQ_messages_room_seq', ['roomId', 'seq'])
@Unique('UQ_messages_room_sender_client_msg', ['roomId', 'senderId', 'clientMsgId'])
@Unique('UQ_messages_room_version', ['roomId', 'version'])
export class Message {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_messages' })
  id!: string;

  @Column({ type: 'uuid', name: 'room_id' })
  roomId!: string;

  @ManyToOne(() => Room, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'room_id', foreignKeyConstraintName: 'FK_messages_room' })
  room?: Room;

  @Column({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'uuid', name: 'sender_id' })
  senderId!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'text', name: 'client_msg_id' })
  clientMsgId!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  /** The room's version of this message's latest change. */
  @Column({ type: 'bigint' })
  version!: string;

  @Column({ type: 'timestamptz', name: 'edited_at', nullable: true })
  editedAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'deleted_at', nullable: true })
  deletedAt!: Date | null;

  @Column({ type: 'bigint', name: 'reply_to_seq', nullable: true })
  replyToSeq!: string | null;

  /** `[{emoji, userIds}]` as API.md shows them (see the migration for why JSON). */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  reactions!: { emoji: string; userIds: string[] }[];

  @Column({ type: 'uuid', array: true, default: () => "'{}'" })
  mentions!: string[];
}

export const MESSAGE_ENTITIES = [Message];
