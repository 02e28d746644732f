import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { PublicJwk } from '@scale-chat/access-tokens';
import { SIGNING_KEYS, type SigningKeys } from './signing-keys';

/** `GET /api/auth/jwks`: the public keys that verify access tokens, and nothing private. */
@ApiTags('auth')
@Controller('api/auth/jwks')
export class JwksController {
  constructor(@Inject(SIGNING_KEYS) private readonly keys: SigningKeys) {}

  @Get()
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): { keys: PublicJwk[] } {
    return { keys: [this.keys.current, ...this.keys.previous].map((key) => key.publicJwk) };
  }
}
