import { EventEmitter } from 'node:events';

/** What this spec touches of kafkajs' per-connection request queue (not a public API). */
interface RequestQueue {
  throttledUntil: number;
  readonly pending: unknown[];
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  push(request: {
    entry: { correlationId: number };
    expectResponse: boolean;
    sendRequest: () => void;
  }): void;
  destroy(): void;
}

// patches/kafkajs+2.2.4.patch, applied by npm's postinstall.
const RequestQueueClass = jest.requireActual<new (options: object) => RequestQueue>(
  'kafkajs/src/network/requestQueue',
);

describe("kafkajs' request queue, as patched", () => {
  const queue = () =>
    new RequestQueueClass({
      instrumentationEmitter: new EventEmitter(),
      maxInFlightRequests: null,
      requestTimeout: 30_000,
      enforceRequestTimeout: false,
      clientId: 'spec',
      broker: '127.0.0.1:9092',
      logger: { debug: () => undefined },
    });

  it('schedules nothing when nothing is pending (unpatched, every connection re-armed a 1 ms timer forever)', () => {
    const idle = queue();
    try {
      // What it runs after every response and every timeout.
      idle.checkPendingRequests();
      expect(idle.throttleCheckTimeoutId).toBeNull();
    } finally {
      idle.destroy();
    }
  });

  it('still sends a request held back by a throttle once the throttle ends', async () => {
    const throttled = queue();
    try {
      throttled.throttledUntil = Date.now() + 20;
      const sent = new Promise<void>((resolve) =>
        throttled.push({ entry: { correlationId: 1 }, expectResponse: true, sendRequest: resolve }),
      );
      expect(throttled.pending).toHaveLength(1);
      expect(throttled.throttleCheckTimeoutId).not.toBeNull();
      await sent;
      expect(throttled.pending).toHaveLength(0);
      // Sent, with nothing left to wait for: no timer stays armed.
      expect(throttled.throttleCheckTimeoutId).toBeNull();
    } finally {
      throttled.destroy();
    }
  });
});
