import type { ServiceName } from '@scale-chat/contracts';
import { readServiceConfig, type ServiceConfig } from '../config';

/**
 * A service configuration for an in-process test: the run's Kafka and the given database,
 * quiet logs, and a port of 0 (the test listens where the OS says).
 */
export function testServiceConfig(
  service: ServiceName,
  overrides: Readonly<Record<string, string>> = {},
): ServiceConfig {
  return readServiceConfig(service, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn',
    LOG_FORMAT: 'json',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
    INSTANCE_ID: `${service}-test-${process.pid}`,
    ...overrides,
  });
}
