import { startService } from '@scale-chat/platform';
import { AppModule } from './app.module';

startService('auth', (config) => AppModule.register(config));
