import { logLevel } from 'kafkajs';
import { levelOf } from './kafka-client';

const entry = (level: logLevel, message: string, error?: string) => ({
  level,
  log: {
    timestamp: '2026-12-06T00:00:00Z',
    logger: 'kafkajs',
    message,
    ...(error ? { error } : {}),
  },
});

describe("levelOf (the pino level of kafkajs' log lines)", () => {
  it('keeps each kafkajs level as it is', () => {
    expect(levelOf(entry(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded'))).toBe('error');
    expect(levelOf(entry(logLevel.WARN, 'The group is rebalancing, re-joining'))).toBe('warn');
    expect(levelOf(entry(logLevel.NOTHING, 'anything'))).toBeUndefined();
  });

  it.each([
    ['Response Metadata(key: 3, version: 6)', 'This server does not host this topic-partition'],
    ['Response FindCoordinator(key: 10, version: 2)', 'The group coordinator is not available'],
    ['Response Heartbeat(key: 12, version: 3)', 'The group is rebalancing, so a rejoin is needed'],
  ])(
    'makes a failed response that kafkajs retries by itself a debug line: %s',
    (message, error) => {
      expect(levelOf(entry(logLevel.ERROR, message, error))).toBe('debug');
    },
  );

  it("makes a CreateTopics answer a debug line: ensureTopics throws what is not 'already exists'", () => {
    expect(
      levelOf(
        entry(
          logLevel.ERROR,
          'Response CreateTopics(key: 19, version: 3)',
          'Topic creation errors',
        ),
      ),
    ).toBe('debug');
    expect(
      levelOf(entry(logLevel.ERROR, 'Response CreateTopics(key: 19, version: 3)', 'Broker down')),
    ).toBe('error');
  });

  it('leaves every other failed response an error', () => {
    const message = 'Response Produce(key: 0, version: 7)';
    expect(
      levelOf(
        entry(
          logLevel.ERROR,
          message,
          'The request included a message larger than the max message size the server will accept',
        ),
      ),
    ).toBe('error');
    expect(levelOf(entry(logLevel.ERROR, message))).toBe('error');
    // The same words in another line are not a failed response's.
    expect(
      levelOf(entry(logLevel.ERROR, 'Connection error', 'The group coordinator is not available')),
    ).toBe('error');
  });
});
