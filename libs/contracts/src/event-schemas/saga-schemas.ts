import { IsIn, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import type { SagaCommand, SagaReply, SagaStartRequest } from '../sagas';
import { SERVICE_NAMES, type ServiceName } from '../services';
import { IsUuid } from './event-schema';

const KINDS: readonly SagaCommand['kind'][] = ['execute', 'compensate'];
const OUTCOMES: readonly SagaReply['outcome'][] = ['succeeded', 'failed'];

export class SagaStartRequestSchema implements SagaStartRequest {
  @IsUuid() readonly sagaId!: string;
  @IsString() @MaxLength(100) readonly sagaType!: string;
  @IsObject() readonly payload!: Readonly<Record<string, unknown>>;
}

export class SagaCommandSchema implements SagaCommand {
  @IsUuid() readonly sagaId!: string;
  @IsString() @MaxLength(200) readonly commandId!: string;
  @IsString() @MaxLength(100) readonly sagaType!: string;
  @IsIn(KINDS) readonly kind!: SagaCommand['kind'];
  @IsIn(SERVICE_NAMES) readonly participant!: ServiceName;
  @IsString() @MaxLength(100) readonly name!: string;
  @IsObject() readonly payload!: Readonly<Record<string, unknown>>;
}

export class SagaReplySchema implements SagaReply {
  @IsUuid() readonly sagaId!: string;
  @IsString() @MaxLength(200) readonly commandId!: string;
  @IsIn(OUTCOMES) readonly outcome!: SagaReply['outcome'];
  @IsOptional() @IsString() readonly reason?: string;
  @IsOptional() @IsObject() readonly data?: Readonly<Record<string, unknown>>;
}
