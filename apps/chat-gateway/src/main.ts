import { startService } from '@scale-chat/platform';
import { AppModule } from './app.module';

startService('chat-gateway', (config) => AppModule.register(config));
