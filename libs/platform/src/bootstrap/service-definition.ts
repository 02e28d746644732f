import type { DynamicModule, INestApplication } from '@nestjs/common';
import type { ServiceName } from '@scale-chat/contracts';
import type { ServiceConfig } from '../config';

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Everything needed to run a service, in one value that `main.ts` and the tests share:
 * how it reads its configuration, its root module, and what it sets up before listening.
 */
export interface ServiceDefinition<C extends ServiceConfig = ServiceConfig> {
  readonly service: ServiceName;
  readConfig(env: Environment): C;
  rootModule(config: C): DynamicModule;
  /** What it sets up on the application before listening (a WebSocket adapter, say). */
  configure?(app: INestApplication, config: C): void | Promise<void>;
}
