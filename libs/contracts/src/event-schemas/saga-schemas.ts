import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import type {
  RoomSagaPayload,
  SagaCommand,
  SagaPayloads,
  SagaReply,
  SagaStartRequest,
  SagaType,
  UserSagaPayload,
} from '../sagas';
import { SERVICE_NAMES, type ServiceName } from '../services';
import { eventSchema, IsId, type EventSchema } from './event-schema';

const KINDS: readonly SagaCommand['kind'][] = ['execute', 'compensate'];
const OUTCOMES: readonly SagaReply['outcome'][] = ['succeeded', 'failed'];

export class SagaStartRequestSchema implements SagaStartRequest {
  @IsId() readonly sagaId!: string;
  @IsString() @MaxLength(100) readonly sagaType!: string;
  @IsObject() readonly payload!: Readonly<Record<string, unknown>>;
}

export class SagaCommandSchema implements SagaCommand {
  @IsId() readonly sagaId!: string;
  @IsString() @MaxLength(200) readonly commandId!: string;
  @IsString() @MaxLength(100) readonly sagaType!: string;
  @IsIn(KINDS) readonly kind!: SagaCommand['kind'];
  @IsIn(SERVICE_NAMES) readonly participant!: ServiceName;
  @IsString() @MaxLength(100) readonly name!: string;
  @IsObject() readonly payload!: Readonly<Record<string, unknown>>;
}

export class SagaReplySchema implements SagaReply {
  @IsId() readonly sagaId!: string;
  @IsString() @MaxLength(200) readonly commandId!: string;
  @IsIn(OUTCOMES) readonly outcome!: SagaReply['outcome'];
  @IsOptional() @IsString() readonly reason?: string;
  @IsOptional() @IsObject() readonly data?: Readonly<Record<string, unknown>>;
}

export class UserSagaPayloadSchema implements UserSagaPayload {
  @IsId() readonly userId!: string;
  @IsString() @MaxLength(100) readonly username!: string;
  @IsString() @MaxLength(200) readonly displayName!: string;
}

const ROOM_SAGA_KINDS: readonly RoomSagaPayload['kind'][] = ['room', 'membership'];

export class RoomSagaPayloadSchema implements RoomSagaPayload {
  @IsId() readonly roomId!: string;
  @IsIn(ROOM_SAGA_KINDS) readonly kind!: RoomSagaPayload['kind'];
  @IsArray() @ArrayMinSize(1) @IsId({ each: true }) readonly userIds!: string[];
  @IsOptional() @IsArray() @IsId({ each: true }) readonly inactiveUserIds?: string[];
}

/** The payload each saga type starts with, checked as an event's data is. */
export const SAGA_PAYLOAD_SCHEMAS: { readonly [T in SagaType]: EventSchema<SagaPayloads[T]> } = {
  signup: eventSchema(UserSagaPayloadSchema),
  room: eventSchema(RoomSagaPayloadSchema),
  'account-deletion': eventSchema(UserSagaPayloadSchema),
};

/** The payload schema of saga type `type`, or undefined for a type no saga has. */
export function sagaPayloadSchema(type: string): EventSchema<unknown> | undefined {
  return Object.hasOwn(SAGA_PAYLOAD_SCHEMAS, type)
    ? SAGA_PAYLOAD_SCHEMAS[type as SagaType]
    : undefined;
}
