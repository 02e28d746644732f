import { startService } from '@scale-chat/platform';
import { logConsumerService } from './app.module';

startService(logConsumerService);
