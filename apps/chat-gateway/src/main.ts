import { startService } from '@scale-chat/platform';
import { chatGatewayService } from './app.module';

startService(chatGatewayService);
