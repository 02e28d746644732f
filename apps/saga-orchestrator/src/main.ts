import { startService } from '@scale-chat/platform';
import { AppModule } from './app.module';

startService('saga-orchestrator', (config) => AppModule.register(config));
