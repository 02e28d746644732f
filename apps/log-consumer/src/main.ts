import { startService } from '@scale-chat/platform';
import { AppModule } from './app.module';

startService('log-consumer', (config) => AppModule.register(config));
