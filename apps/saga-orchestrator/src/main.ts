import { startService } from '@scale-chat/platform';
import { sagaOrchestratorService } from './app.module';

startService(sagaOrchestratorService);
