import {
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { requestPipes, runStrategy } from '@scale-chat/platform';
import type { IncomingMessage } from 'node:http';
import type { User } from '../users/user.entity';
import { LocalStrategy } from './local.strategy';
import { INVALID_CREDENTIALS } from './sessions.service';
import { LoginRequest } from './sessions.dto';

/** A request past `LocalLoginGuard`: the user whose password it carried. */
export interface LoggedInRequest extends IncomingMessage {
  body?: unknown;
  user: User;
}

/**
 * `POST /api/auth/login` through `LocalStrategy`. Guards run before pipes, so the body
 * goes through the pipes every body goes through first: a malformed one is the usual
 * 400, and only two well-formed strings reach the strategy. Not `AuthGuard('local')`:
 * that runs passport's global registry (see `ownAuthenticator`).
 */
@Injectable()
export class LocalLoginGuard implements CanActivate {
  private readonly pipes = requestPipes();

  constructor(private readonly strategy: LocalStrategy) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<LoggedInRequest>();
    let body: unknown = request.body;
    for (const pipe of this.pipes)
      body = await pipe.transform(body, { type: 'body', metatype: LoginRequest });
    // The strategy reads the body as the pipes passed it, not as it came.
    request.body = body;
    const outcome = await runStrategy<User>(this.strategy, request);
    // The strategy throws its own answers; a refusal is passport-local's missing field.
    if (!('user' in outcome)) throw new UnauthorizedException(INVALID_CREDENTIALS);
    request.user = outcome.user;
    return true;
  }
}
