import { livenessCheckInterval, resolveOptions, type KafkaAdapterOptions } from './options';

const silent = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };

describe('resolveOptions', () => {
  it('gives an option passed as undefined its default', () => {
    const resolved = resolveOptions({
      topic: undefined,
      heartbeatInterval: undefined,
      positionOf: undefined,
      logger: undefined,
    });
    expect(resolved.topic).toBe('socketio.events');
    expect(resolved.heartbeatInterval).toBe(5_000);
    expect(resolved.positionOf({ type: 2, data: ['e'] })).toBeUndefined();
    expect(typeof resolved.logger.warn).toBe('function');
  });

  it('waits on requests longer than it takes to drop a dead instance, by default', () => {
    const resolved = resolveOptions({ logger: silent });
    expect(resolved.requestsTimeout).toBe(12_000);
    expect(resolved.requestsTimeout).toBeGreaterThan(
      resolved.heartbeatTimeout + livenessCheckInterval(resolved),
    );
    expect(resolveOptions({ heartbeatTimeout: 20_000, logger: silent }).requestsTimeout).toBe(
      22_000,
    );
  });

  it.each<[string, KafkaAdapterOptions]>([
    ['heartbeatInterval', { heartbeatInterval: 0 }],
    ['heartbeatInterval', { heartbeatInterval: -5 }],
    ['heartbeatInterval', { heartbeatInterval: Number.NaN }],
    ['heartbeatInterval', { heartbeatInterval: 3_000_000_000, heartbeatTimeout: 4_000_000_000 }],
    ['heartbeatTimeout', { heartbeatTimeout: Number.POSITIVE_INFINITY }],
    ['heartbeatTimeout', { heartbeatTimeout: '10000' as unknown as number }],
    ['requestsTimeout', { requestsTimeout: 0 }],
    ['startTimeout', { startTimeout: -1 }],
    ['consumerSessionTimeout', { consumerSessionTimeout: 0 }],
    ['maxBufferedPublishes', { maxBufferedPublishes: 1.5 }],
    ['maxBufferedPublishBytes', { maxBufferedPublishBytes: 0 }],
    ['maxPublishBatch', { maxPublishBatch: 0 }],
    ['maxPublishBatch', { maxPublishBatch: 5_001 }],
    ['maxPublishBatchBytes', { maxPublishBatchBytes: Number.NaN }],
    ['topicRetentionMs', { topicRetentionMs: 0.5 }],
    ['topicMaxMessageBytes', { topicMaxMessageBytes: -1 }],
    ['topic', { topic: '' }],
    ['groupIdPrefix', { groupIdPrefix: 5 as unknown as string }],
    ['positionOf', { positionOf: null as unknown as KafkaAdapterOptions['positionOf'] }],
    ['logger', { logger: {} as KafkaAdapterOptions['logger'] }],
    ['shareHandshakeCredentials', { shareHandshakeCredentials: 'yes' as unknown as boolean }],
    ['heartbeatTimeout', { heartbeatInterval: 5_000, heartbeatTimeout: 5_000 }],
  ])('refuses a wrong %s with a TypeError naming it', (name, options) => {
    expect(() => resolveOptions({ logger: silent, ...options })).toThrow(TypeError);
    expect(() => resolveOptions({ logger: silent, ...options })).toThrow(`option ${name} `);
  });

  it("takes Kafka's -1 (kept for good) as a topic's retention", () => {
    expect(resolveOptions({ logger: silent, topicRetentionMs: -1 }).topicRetentionMs).toBe(-1);
    expect(() => resolveOptions({ logger: silent, topicRetentionMs: -2 })).toThrow(TypeError);
  });

  it('warns of a requestsTimeout shorter than the detection of a dead instance', () => {
    const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
    resolveOptions({ heartbeatTimeout: 15_000, requestsTimeout: 5_000, logger });
    expect(logger.warn).toHaveBeenCalledWith(
      { requestsTimeout: 5_000, detection: 16_000 },
      expect.stringContaining('requestsTimeout'),
    );
    logger.warn.mockClear();
    resolveOptions({ heartbeatInterval: 500, heartbeatTimeout: 1_500, logger });
    expect(logger.warn).not.toHaveBeenCalled();
  });
});

describe('livenessCheckInterval', () => {
  it('is a second, or the heartbeat interval when that is shorter', () => {
    expect(livenessCheckInterval({ heartbeatInterval: 5_000 })).toBe(1_000);
    expect(livenessCheckInterval({ heartbeatInterval: 300 })).toBe(300);
  });
});
