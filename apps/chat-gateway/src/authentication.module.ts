import { Global, Module, type DynamicModule } from '@nestjs/common';
import { jwksAuthenticationProviders } from '@scale-chat/platform';
import type { ChatConfig } from './chat-config';

/**
 * Access tokens checked against auth's JWKS, for every feature's guarded routes and the
 * Socket.IO handshake. Global and registered once: one JWKS cache per instance, not one
 * per feature module.
 */
@Global()
@Module({})
export class AuthenticationModule {
  static register(config: ChatConfig): DynamicModule {
    const providers = jwksAuthenticationProviders(config);
    return { module: AuthenticationModule, providers, exports: providers };
  }
}
