import { startService } from '@scale-chat/platform';
import { authService } from './app.module';

startService(authService);
