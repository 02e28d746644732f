import { Type } from 'class-transformer';
import {
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  MaxLength,
  Min,
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
  type RoomView,
} from '../chat';
import { IsUuid } from './event-schema';

const ROLES: readonly MemberRole[] = ['owner', 'member'];
const LEFT_REASONS: readonly MemberLeft['reason'][] = ['left', 'removed', 'account-deleted'];

export class MemberViewSchema implements MemberView {
  @IsUuid() readonly userId!: string;
  @IsIn(ROLES) readonly role!: MemberRole;
  @IsISO8601() readonly joinedAt!: string;
}

export class RoomViewSchema implements RoomView {
  @IsUuid() readonly id!: string;
  @IsString() @MaxLength(CHAT_LIMITS.roomNameMax * 2) readonly name!: string;
  @IsUuid() readonly ownerId!: string;
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => MemberViewSchema)
  readonly members!: MemberViewSchema[];
  @IsInt() @Min(0) readonly lastSeq!: number;
  @IsISO8601() readonly createdAt!: string;
}

export class MessageViewSchema implements MessageView {
  @IsUuid() readonly id!: string;
  @IsUuid() readonly roomId!: string;
  @IsInt() @Min(0) readonly seq!: number;
  @IsUuid() readonly senderId!: string;
  // Characters are code points (API.md); a string of them is at most twice as long.
  @IsString() @MaxLength(CHAT_LIMITS.bodyMax * 2) readonly body!: string;
  @IsString() @MaxLength(CHAT_LIMITS.clientMsgIdMax * 2) readonly clientMsgId!: string;
  @IsISO8601() readonly createdAt!: string;
}

export class RoomCreatedSchema implements RoomCreated {
  @ValidateNested() @Type(() => RoomViewSchema) readonly room!: RoomViewSchema;
}

export class MemberJoinedSchema implements MemberJoined {
  @IsUuid() readonly roomId!: string;
  @ValidateNested() @Type(() => MemberViewSchema) readonly member!: MemberViewSchema;
  @ValidateNested() @Type(() => RoomViewSchema) readonly room!: RoomViewSchema;
}

export class MemberLeftSchema implements MemberLeft {
  @IsUuid() readonly roomId!: string;
  @IsUuid() readonly userId!: string;
  @IsIn(LEFT_REASONS) readonly reason!: MemberLeft['reason'];
  @IsOptional() @IsUuid() readonly newOwnerId?: string;
}

export class MessageSentSchema implements MessageSent {
  @ValidateNested() @Type(() => MessageViewSchema) readonly message!: MessageViewSchema;
}
