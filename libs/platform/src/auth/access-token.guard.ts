import {
  createParamDecorator,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { InvalidAccessTokenError, type VerifiedAccessToken } from '@scale-chat/access-tokens';
import type { IncomingMessage } from 'node:http';
import { PinoLogger } from 'nestjs-pino';
import { BearerAuthentication } from './bearer-authentication';

/** The verified bearer of a request, set by `AccessTokenGuard`. */
interface AuthenticatedRequest extends IncomingMessage {
  accessToken?: VerifiedAccessToken;
}

/**
 * `Authorization: Bearer <accessToken>` must carry a valid access token (checked by
 * `AccessTokenStrategy`); anything else is a 401 with one message, whatever was wrong. A
 * token that cannot be checked now (the keys or the revocation list out of reach) is a
 * 503, logged. Not `AuthGuard('jwt')`: that runs passport's global registry (see
 * `ownAuthenticator`) and answers 401 for both.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly bearer: BearerAuthentication,
    private readonly logger: PinoLogger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    try {
      request.accessToken = await this.bearer.verifyRequest(request);
    } catch (error) {
      if (error instanceof InvalidAccessTokenError)
        throw new UnauthorizedException('Missing or invalid access token');
      this.logger.warn({ err: error }, 'an access token could not be checked');
      throw new ServiceUnavailableException('Access tokens cannot be checked now; try again');
    }
    return true;
  }
}

/** The verified access token of the request (routes behind `AccessTokenGuard` only). */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const token = context.switchToHttp().getRequest<AuthenticatedRequest>().accessToken;
  if (token === undefined) throw new UnauthorizedException('Missing or invalid access token');
  return token;
});
