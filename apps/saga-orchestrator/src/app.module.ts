import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type ServiceConfig } from '@scale-chat/platform';

/** The saga-orchestrator service: saga definitions and saga state. */
@Module({})
export class AppModule {
  static register(config: ServiceConfig): DynamicModule {
    return { module: AppModule, imports: [PlatformModule.forService(config)] };
  }
}
