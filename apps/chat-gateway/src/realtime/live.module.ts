import { Module } from '@nestjs/common';
import { ChatMetrics } from './chat-metrics';
import { LiveRooms } from './live-rooms';

/**
 * The sockets' rooms and the chat metrics: what messages and presence tell the sockets
 * through, without depending on the gateways themselves (which depend on them).
 */
@Module({
  providers: [LiveRooms, ChatMetrics],
  exports: [LiveRooms, ChatMetrics],
})
export class LiveModule {}
