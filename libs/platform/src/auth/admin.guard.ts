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
 * Who may read administrative endpoints (stats, saga history): usernames (API.md), whose
 * accounts must also hold auth's `admin` role. Nobody unless named: a default name would
 * be anyone's who signed up with it first. The local stack names `admin`; outside
 * production, auth gives the role to a listed name at signup (the bootstrap).
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
 * After `AccessTokenGuard`: the caller's token must carry the `admin` role (claim `adm`,
 * bound to the account's id by auth) and its username be one of `ADMIN_USERNAMES`
 * (compared lower-case), else 403. The name alone is not enough: a deleted
 * administrator's name can be signed up again by anyone, as a member.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly admins: ReadonlySet<string>;

  constructor(@Inject(SERVICE_CONFIG) config: AdminConfig) {
    this.admins = new Set(config.extra.ADMIN_USERNAMES.map((name) => name.toLowerCase()));
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ accessToken?: VerifiedAccessToken }>();
    const token = request.accessToken;
    if (token === undefined || !token.admin || !this.admins.has(token.username.toLowerCase()))
      throw new ForbiddenException('This is for administrators');
    return true;
  }
}
