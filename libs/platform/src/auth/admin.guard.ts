import {
  ForbiddenException,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { VerifiedAccessToken } from '@scale-chat/access-tokens';
import { list } from '../config';
import { SERVICE_CONFIG } from '../config/service-config.token';

/**
 * Who may read administrative endpoints (stats, saga history): usernames. Nobody unless
 * named: a default name would be anyone's who signed up with it first. The local stack
 * names `admin` (API.md).
 */
export const ADMIN_ENV = {
  ADMIN_USERNAMES: list(/^[A-Za-z0-9_.-]{3,32}$/, 'usernames (3-32 of a-z 0-9 _ . -)', {
    default: [],
  }),
};

interface AdminConfig {
  readonly extra: { readonly ADMIN_USERNAMES: readonly string[] };
}

/**
 * After `AccessTokenGuard`: the caller's username must be one of `ADMIN_USERNAMES`
 * (compared lower-case), else 403.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly admins: ReadonlySet<string>;

  constructor(@Inject(SERVICE_CONFIG) config: AdminConfig) {
    this.admins = new Set(config.extra.ADMIN_USERNAMES.map((name) => name.toLowerCase()));
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ accessToken?: VerifiedAccessToken }>();
    const username = request.accessToken?.username.toLowerCase();
    if (username === undefined || !this.admins.has(username))
      throw new ForbiddenException('This is for administrators');
    return true;
  }
}
