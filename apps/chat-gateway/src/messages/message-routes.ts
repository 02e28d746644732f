import {
  applyDecorators,
  Controller,
  createParamDecorator,
  UseGuards,
  type ExecutionContext,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { VerifiedAccessToken } from '@scale-chat/access-tokens';
import { AccessTokenGuard } from '@scale-chat/platform';
import { ROOM_ID } from '../rooms/room-access';
import { EMOJI, MESSAGE_SEQ } from './message-changes.dto';

/** What the messages' controllers share: their path, guard and OpenAPI answers. */
export const MessagesApi = (forbidden: string, tooManyRequests: string) =>
  applyDecorators(
    ApiTags('messages'),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'missing, expired or forged access token' }),
    ApiForbiddenResponse({ description: forbidden }),
    ApiNotFoundResponse({ description: 'no such room or message' }),
    ApiTooManyRequestsResponse({ description: tooManyRequests }),
    Controller('api/rooms/:id'),
    UseGuards(AccessTokenGuard),
  );

/** The parts of a request read here (AccessTokenGuard has set `accessToken`). */
interface RouteRequest {
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly accessToken?: VerifiedAccessToken;
}

/** One message of a room named by a path, and the emoji of a reaction path. */
export interface MessageTarget {
  readonly roomId: string;
  readonly seq: number;
}
export interface ReactionTarget extends MessageTarget {
  readonly emoji: string;
}

const targetOf = ({ params }: RouteRequest): MessageTarget => ({
  roomId: ROOM_ID.transform(params['id'] ?? ''),
  seq: MESSAGE_SEQ.transform(params['seq'] ?? ''),
});

/** `:id` and `:seq` of the path: 404 for an id or seq that names nothing. */
export const MessageAt = createParamDecorator(
  (_data: unknown, context: ExecutionContext): MessageTarget =>
    targetOf(context.switchToHttp().getRequest<RouteRequest>()),
);

/** `:id`, `:seq` and `:emoji` of a reaction's path (`:emoji` not one emoji: 400). */
export const ReactionAt = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ReactionTarget => {
    const request = context.switchToHttp().getRequest<RouteRequest>();
    return { ...targetOf(request), emoji: EMOJI.transform(request.params['emoji'] ?? '') };
  },
);
