import type { Environment } from '../bootstrap';

/**
 * The environment of an in-process test service: the run's Kafka, quiet JSON logs and an
 * instance id of its own; `overrides` win.
 */
export function testEnvironment(name: string, overrides: Environment = {}): Environment {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn',
    LOG_FORMAT: 'json',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
    INSTANCE_ID: `${name}-test-${process.pid}`,
    ...overrides,
  };
}
