import { randomUUID } from 'node:crypto';
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
    // Consumer groups of their own: suites running side by side never split a topic.
    KAFKA_GROUP_PREFIX: `test-${randomUUID().slice(0, 8)}-${name}`,
    // ... and topics of their own: no other suite's service reads what this one writes.
    KAFKA_TOPIC_PREFIX: `test-${randomUUID().slice(0, 8)}.`,
    ...overrides,
  };
}
