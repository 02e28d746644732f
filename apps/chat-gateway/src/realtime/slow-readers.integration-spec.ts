import type { MessageView } from '@scale-chat/contracts';
import { eventually } from '@scale-chat/wait';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { listen, webSocketOf } from '../testing/heard-messages';
import { ChatMetrics } from './chat-metrics';
import { LiveRooms } from './live-rooms';

jest.setTimeout(120_000);

/**
 * A client that stops reading must not make the gateway queue its rooms' broadcasts for
 * it without bound: past SOCKET_MAX_QUEUED_PACKETS it is closed, as a recoverable close,
 * while the room's other members hear everything.
 */
describe('a socket whose client does not read', () => {
  let chat: GatewayFixture;

  beforeAll(async () => {
    chat = await GatewayFixture.start({ SOCKET_MAX_QUEUED_PACKETS: '20' });
  });

  afterAll(async () => {
    await chat?.close();
  });

  it('is closed once too much waits for it, and comes back with what it missed', async () => {
    const [reader, stalled] = (await Promise.all([chat.member(), chat.member()])) as [
      Member,
      Member,
    ];
    const roomId = await chat.room([reader, stalled]);
    const readerSocket = await chat.socket(reader);
    const heardByReader = listen(readerSocket);
    const slow = await chat.socket(stalled, chat.gateway.url, { reconnecting: true });
    const heardBySlow = listen(slow);
    webSocketOf(slow).pause();

    // Messages of 100 KB to the room, as the outbox relay broadcasts them (through the
    // cluster adapter), until the reader has heard 200: 20 MB, far more than the kernel's
    // buffers take for a client that reads nothing, so the rest waits in the gateway.
    const live = chat.gateway.app.get(LiveRooms);
    const closed = chat.gateway.app.get(ChatMetrics).slowReaderDisconnects;
    const body = 'x'.repeat(100_000);
    let sent = 0;
    while (sent < 200) {
      for (let round = 0; round < 20; round++) {
        sent += 1;
        live.messageStored({ roomId, seq: sent, version: sent, body } as MessageView);
      }
      const upTo = sent;
      await eventually(`the reader hears message ${upTo}`, () =>
        heardByReader.some(({ message }) => message.seq === upTo),
      );
    }
    // Closed once its queue has stayed over the limit for a while.
    await eventually(
      'the stalled socket closed',
      async () => (await closed.get()).values[0]?.value === 1,
      30_000,
    );

    // The reader, which reads, was not touched and heard everything in order.
    expect(readerSocket.connected).toBe(true);
    const expected = Array.from({ length: sent }, (_, index) => index + 1);
    expect(heardByReader.map(({ message }) => message.seq)).toEqual(expected);
    // Once it reads again, the stalled client finds its connection closed, reconnects and
    // recovers: what it had not read before the close, and then what was discarded.
    webSocketOf(slow).resume();
    await eventually(
      'the stalled client recovered with every message',
      () => slow?.recovered === true && heardBySlow.length >= sent,
      60_000,
    );
    expect(heardBySlow.map(({ message }) => message.seq)).toEqual(expected);
    expect((await closed.get()).values[0]?.value).toBe(1);
  });
});
