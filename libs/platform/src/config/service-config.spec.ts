import { LOCAL_DATABASE_URL } from '@scale-chat/contracts';
import { readServiceConfig } from './service-config';
import { ADMIN_ENV } from '../auth/admin.guard';
import { oneOf } from './env-parser';

describe('readServiceConfig', () => {
  it('serves the local stack with no variables set', () => {
    const config = readServiceConfig('chat-gateway', {});
    expect(config).toMatchObject({
      service: 'chat-gateway',
      port: 3011,
      host: '127.0.0.1',
      databaseUrl: LOCAL_DATABASE_URL,
      databaseSchema: 'chat',
      kafkaBrokers: ['127.0.0.1:9092'],
      logFormat: 'pretty',
    });
  });

  it("names consumer groups by the service unless told otherwise, whatever the topics' prefix (an upgrade keeps them)", () => {
    expect(readServiceConfig('auth', {}).kafkaGroupPrefix).toBe('auth');
    expect(readServiceConfig('auth', { KAFKA_TOPIC_PREFIX: 'staging.' }).kafkaGroupPrefix).toBe(
      'auth',
    );
    expect(
      readServiceConfig('auth', { KAFKA_TOPIC_PREFIX: 'staging.', KAFKA_GROUP_PREFIX: 'mine.auth' })
        .kafkaGroupPrefix,
    ).toBe('mine.auth');
  });

  it("refuses a group prefix without the service's name: two services would share groups", () => {
    expect(() => readServiceConfig('chat-gateway', { KAFKA_GROUP_PREFIX: 'prod' })).toThrow(
      `Invalid configuration: KAFKA_GROUP_PREFIX must be the service's name or end in it after a . - or _ (such as staging.chat-gateway), so that no two services share a consumer group (got "prod")`,
    );
    // Holding another's name is not enough: set on both, this would be one group.
    expect(() => readServiceConfig('auth', { KAFKA_GROUP_PREFIX: 'auth.chat-gateway' })).toThrow(
      /KAFKA_GROUP_PREFIX must be the service's name/,
    );
    expect(readServiceConfig('auth', { KAFKA_GROUP_PREFIX: 'test-1-auth' }).kafkaGroupPrefix).toBe(
      'test-1-auth',
    );
    expect(
      readServiceConfig('chat-gateway', { KAFKA_GROUP_PREFIX: 'prod.chat-gateway' })
        .kafkaGroupPrefix,
    ).toBe('prod.chat-gateway');
  });

  it('logs JSON in production unless told otherwise', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://a:b@db:5432/auth' };
    expect(readServiceConfig('auth', production).logFormat).toBe('json');
    expect(readServiceConfig('auth', { ...production, LOG_FORMAT: 'pretty' }).logFormat).toBe(
      'pretty',
    );
  });

  it("requires DATABASE_URL in production rather than the local stack's", () => {
    expect(() => readServiceConfig('auth', { NODE_ENV: 'production' })).toThrow(
      'DATABASE_URL is required in production',
    );
  });

  it('names nobody an administrator unless told', () => {
    const { extra } = readServiceConfig('log-consumer', {}, ADMIN_ENV);
    expect(extra.ADMIN_USERNAMES).toEqual([]);
    expect(
      readServiceConfig('log-consumer', { ADMIN_USERNAMES: 'admin, Chief' }, ADMIN_ENV).extra
        .ADMIN_USERNAMES,
    ).toEqual(['admin', 'Chief']);
  });

  it('names the variable that is wrong', () => {
    expect(() => readServiceConfig('auth', { KAFKA_BROKERS: 'not a broker' })).toThrow(
      /^Invalid configuration: KAFKA_BROKERS must be a comma-separated list of host:port/,
    );
    // Express would take it, and throw only when the app is built.
    expect(() => readServiceConfig('auth', { TRUST_PROXY: 'garbage' })).toThrow(
      /^Invalid configuration: TRUST_PROXY must be a comma-separated list of IP addresses/,
    );
  });

  it('reads the service-specific variables it is given', () => {
    const config = readServiceConfig('log-consumer', { MODE: 'b' }, { MODE: oneOf(['a', 'b']) });
    expect(config.extra.MODE).toBe('b');
  });
});
