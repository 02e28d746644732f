import { randomUUID } from 'node:crypto';
import { describeServiceBoot } from '@scale-chat/platform/testing';
import { chatGatewayService } from './app.module';

describeServiceBoot(chatGatewayService, {
  SOCKET_IO_TOPIC: `test.socketio-${randomUUID().slice(0, 8)}`,
});
