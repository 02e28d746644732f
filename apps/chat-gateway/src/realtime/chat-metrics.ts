import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@scale-chat/platform';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { LiveRooms } from './live-rooms';

/** What chat-gateway adds to the platform's metrics. */
@Injectable()
export class ChatMetrics {
  /** `chat_messages_in_total`: messages this instance stored (a repeated send is none). */
  readonly messagesIn: Counter;
  /** `chat_messages_out_total`: `message:new` broadcasts this instance's outbox relay made. */
  readonly messagesOut: Counter;
  /**
   * `chat_flood_disconnects_total`: sockets closed for flooding: refused too often within
   * 10 s by the budget of any event (a send, typing, a read receipt, a page of history).
   */
  readonly floodDisconnects: Counter;
  /** `chat_slow_reader_disconnects_total`: sockets closed for not reading (`SlowReaders`). */
  readonly slowReaderDisconnects: Counter;
  /**
   * `chat_sync_refusals_total`: `sync`s refused because earlier answers still waited in
   * this instance for their client (a client asking faster than it reads).
   */
  readonly syncRefusals: Counter;
  /**
   * `chat_send_batch_size`: sends handed to one call of `store_sends` (group commit; a
   * batch that failed as a whole and is tried again item by item counts as those calls
   * too). Its sum over its count is the sends a call: near 1 on a path that is seldom
   * busy, where every send pays a round trip, a commit and an outbox read of its own.
   */
  readonly sendBatchSize: Histogram;

  constructor(metrics: ServiceMetrics, live: LiveRooms) {
    this.messagesIn = metrics.counter({
      name: 'chat_messages_in_total',
      help: 'Messages stored through this instance (REST or Socket.IO)',
    });
    this.messagesOut = metrics.counter({
      name: 'chat_messages_out_total',
      help: 'message:new broadcasts made by this instance to every instance',
    });
    this.floodDisconnects = metrics.counter({
      name: 'chat_flood_disconnects_total',
      help: 'Sockets this instance disconnected for flooding: refused by a budget too often within 10 s',
    });
    this.slowReaderDisconnects = metrics.counter({
      name: 'chat_slow_reader_disconnects_total',
      help: 'Sockets this instance closed because their clients did not read what they were sent',
    });
    this.syncRefusals = metrics.counter({
      name: 'chat_sync_refusals_total',
      help: 'sync events refused because earlier answers still waited for their client',
    });
    this.sendBatchSize = metrics.histogram({
      name: 'chat_send_batch_size',
      help: 'Sends handed to one store_sends call (group commit)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    });
    metrics.gauge({
      name: 'chat_sockets_connected',
      help: 'Sockets connected to this instance',
      collect(this: Gauge) {
        this.set(live.localSocketCount());
      },
    });
  }
}
