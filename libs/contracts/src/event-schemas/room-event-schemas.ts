import { Expose, Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  CHAT_LIMITS,
  type MemberJoined,
  type MemberLeft,
  type MemberRole,
  type MemberView,
  type MessageSent,
  type MessageView,
  type RoomCreated,
  type RoomKind,
  type RoomMemberView,
  type RoomView,
} from '../chat';
import { MESSAGE_CHANGE_LIMITS, type MessageChanged, type ReactionView } from '../message-changes';
import { IsInstant, IsNested, IsId } from './event-schema';

/**
 * A field v1.1 added: events written before it lack it and read as `fallback` says
 * (what the v1.1 migrations made of the rows they came from).
 */
const AddedInV11 = (fallback: (event: Record<string, unknown>) => unknown) =>
  function (target: object, property: string | symbol): void {
    Expose()(target, property);
    Transform(({ value, obj }) => value ?? fallback(obj as Record<string, unknown>))(
      target,
      property,
    );
  };
const ROOM_KINDS: readonly RoomKind[] = ['group', 'direct'];

const ROLES: readonly MemberRole[] = ['owner', 'member'];
const LEFT_REASONS: readonly MemberLeft['reason'][] = ['left', 'removed', 'account-deleted'];

export class MemberViewSchema implements MemberView {
  @IsId() readonly userId!: string;
  @IsIn(ROLES) readonly role!: MemberRole;
  @IsInstant() readonly joinedAt!: string;
}

/** A member as a room shows it; before v1.1 without presence: offline, nothing read. */
export class RoomMemberViewSchema extends MemberViewSchema implements RoomMemberView {
  @AddedInV11(() => false) @IsBoolean() readonly online!: boolean;
  @AddedInV11(() => 0) @IsInt() @Min(0) readonly lastReadSeq!: number;
}

export class RoomViewSchema implements RoomView {
  @IsId() readonly id!: string;
  /** Every room before v1.1 was a group. */
  @AddedInV11(() => 'group') @IsIn(ROOM_KINDS) readonly kind!: RoomKind;
  /** A direct room has none. */
  @ValidateIf((room: RoomViewSchema) => !(room.kind === 'direct' && room.name === null))
  @IsString()
  @MaxLength(CHAT_LIMITS.roomNameMax * 2)
  readonly name!: string | null;
  @IsId() readonly ownerId!: string;
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RoomMemberViewSchema)
  readonly members!: RoomMemberViewSchema[];
  @IsInt() @Min(0) readonly lastSeq!: number;
  /** Before v1.1 every change was a message: the last version is the last seq. */
  @AddedInV11((room) => room['lastSeq']) @IsInt() @Min(0) readonly lastVersion!: number;
  @IsInstant() readonly createdAt!: string;
}

export class ReactionViewSchema implements ReactionView {
  @IsString() @MaxLength(64) readonly emoji!: string;
  @IsArray() @IsId({ each: true }) readonly userIds!: string[];
}

export class MessageViewSchema implements MessageView {
  @IsId() readonly id!: string;
  @IsId() readonly roomId!: string;
  @IsInt() @Min(0) readonly seq!: number;
  @IsId() readonly senderId!: string;
  // Characters are code points (API.md); a string of them is at most twice as long.
  @IsString() @MaxLength(CHAT_LIMITS.bodyMax * 2) readonly body!: string;
  @IsString() @MaxLength(CHAT_LIMITS.clientMsgIdMax * 2) readonly clientMsgId!: string;
  @IsInstant() readonly createdAt!: string;
  /** Before v1.1 a message was never changed: its version is its seq. */
  @AddedInV11((message) => message['seq']) @IsInt() @Min(0) readonly version!: number;
  @AddedInV11(() => null) @IsOptional() @IsInstant() readonly editedAt!: string | null;
  @AddedInV11(() => null) @IsOptional() @IsInstant() readonly deletedAt!: string | null;
  @AddedInV11(() => null) @IsOptional() @IsInt() @Min(1) readonly replyToSeq!: number | null;
  @AddedInV11(() => [])
  @IsArray()
  @ArrayMaxSize(MESSAGE_CHANGE_LIMITS.reactionsMax)
  @ValidateNested({ each: true })
  @Type(() => ReactionViewSchema)
  readonly reactions!: ReactionViewSchema[];
  @AddedInV11(() => []) @IsArray() @IsId({ each: true }) readonly mentions!: string[];
}

export class RoomCreatedSchema implements RoomCreated {
  @IsNested(() => RoomViewSchema) readonly room!: RoomViewSchema;
}

export class MemberJoinedSchema implements MemberJoined {
  @IsId() readonly roomId!: string;
  @IsNested(() => MemberViewSchema) readonly member!: MemberViewSchema;
  @IsNested(() => RoomViewSchema) readonly room!: RoomViewSchema;
}

export class MemberLeftSchema implements MemberLeft {
  @IsId() readonly roomId!: string;
  @IsId() readonly userId!: string;
  @IsIn(LEFT_REASONS) readonly reason!: MemberLeft['reason'];
  @IsOptional() @IsId() readonly newOwnerId?: string;
}

export class MessageSentSchema implements MessageSent {
  @IsNested(() => MessageViewSchema) readonly message!: MessageViewSchema;
}

/** `message.edited`, `message.deleted`, `reaction.added`, `reaction.removed`. */
export class MessageChangedSchema implements MessageChanged {
  @IsNested(() => MessageViewSchema) readonly message!: MessageViewSchema;
  @IsId() readonly userId!: string;
  @IsOptional() @IsString() @MaxLength(64) readonly emoji?: string;
}
