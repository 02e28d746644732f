import type { MemberRole, RoomKind } from '@scale-chat/contracts';
import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';

/**
 * `pending` while the room saga runs, `active` once every member was confirmed active,
 * `cancelled` when one was not (kept, with the ids, so the waiting caller can say which).
 */
export type RoomStatus = 'pending' | 'active' | 'cancelled';
export type MemberStatus = 'pending' | 'active';

@Entity({ name: 'rooms' })
@Check('CHK_rooms_status', `"status" IN ('pending', 'active', 'cancelled')`)
@Check(
  'CHK_rooms_kind',
  `("kind" = 'group' AND "name" IS NOT NULL AND "direct_user_low" IS NULL AND "direct_user_high" IS NULL) OR ("kind" = 'direct' AND "name" IS NULL AND "direct_user_low" < "direct_user_high")`,
)
// One direct room per pair (AddDirectRooms migration). Partial: kept out of TypeORM's
// comparison, which does not compare an index's WHERE reliably.
@Index('UQ_rooms_direct_pair', { synchronize: false })
export class Room {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_rooms' })
  id!: string;

  @Column({ type: 'text', default: 'group' })
  kind!: RoomKind;

  /** `null` for a direct room. */
  @Column({ type: 'text', nullable: true })
  name!: string | null;

  /** A direct room's two users, the lower id first; `null` for a group. */
  @Column({ type: 'uuid', name: 'direct_user_low', nullable: true })
  directUserLow!: string | null;

  @Column({ type: 'uuid', name: 'direct_user_high', nullable: true })
  directUserHigh!: string | null;

  @Column({ type: 'uuid', name: 'owner_id' })
  ownerId!: string;

  @Column({ type: 'text' })
  status!: RoomStatus;

  /** The `seq` of the room's newest message; the next one takes `lastSeq + 1`. */
  @Column({ type: 'bigint', name: 'last_seq', default: 0 })
  lastSeq!: string;

  /** The room's latest change to its messages (API.md v1.1); the next takes `+ 1`. */
  @Column({ type: 'bigint', name: 'last_version', default: 0 })
  lastVersion!: string;

  @Column({ type: 'timestamptz', name: 'last_activity_at', default: () => 'now()' })
  lastActivityAt!: Date;

  @Column({ type: 'uuid', name: 'inactive_user_ids', array: true, nullable: true })
  inactiveUserIds!: string[] | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}

@Entity({ name: 'room_members' })
@Index('IDX_room_members_user', ['userId'])
@Check('CHK_room_members_role', `"role" IN ('owner', 'member')`)
@Check('CHK_room_members_status', `"status" IN ('pending', 'active')`)
export class RoomMember {
  @PrimaryColumn({ type: 'uuid', name: 'room_id', primaryKeyConstraintName: 'PK_room_members' })
  roomId!: string;

  @PrimaryColumn({ type: 'uuid', name: 'user_id', primaryKeyConstraintName: 'PK_room_members' })
  userId!: string;

  @ManyToOne(() => Room, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'room_id', foreignKeyConstraintName: 'FK_room_members_room' })
  room?: Room;

  @Column({ type: 'text' })
  role!: MemberRole;

  @Column({ type: 'text' })
  status!: MemberStatus;

  /** The member's read cursor: the highest `seq` it has read; only ever moves forward. */
  @Column({ type: 'bigint', name: 'last_read_seq', default: 0 })
  lastReadSeq!: string;

  /** The room's `last_seq` when the membership became active: nothing before is unread. */
  @Column({ type: 'bigint', name: 'joined_seq', default: 0 })
  joinedSeq!: string;

  /**
   * The room saga that stored the membership pending: only its own commands activate or
   * cancel it, not a late copy of an earlier saga's for the same user (MembershipSagas
   * migration). `null` on rows stored before it was recorded, which any saga may finish.
   */
  @Column({ type: 'uuid', name: 'saga_id', nullable: true })
  sagaId!: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'joined_at' })
  joinedAt!: Date;
}

/** Why the room saga cancelled a pending membership, for the request waiting on it. */
@Entity({ name: 'cancelled_memberships' })
export class CancelledMembership {
  @PrimaryColumn({
    type: 'uuid',
    name: 'room_id',
    primaryKeyConstraintName: 'PK_cancelled_memberships',
  })
  roomId!: string;

  @PrimaryColumn({
    type: 'uuid',
    name: 'user_id',
    primaryKeyConstraintName: 'PK_cancelled_memberships',
  })
  userId!: string;

  @Column({ type: 'boolean', name: 'user_was_inactive' })
  userWasInactive!: boolean;

  @Column({ type: 'timestamptz', name: 'cancelled_at', default: () => 'now()' })
  cancelledAt!: Date;
}

export const ROOM_ENTITIES = [Room, RoomMember, CancelledMembership];
