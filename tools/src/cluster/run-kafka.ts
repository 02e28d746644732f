import { LOCAL_KAFKA_BROKERS } from '@scale-chat/contracts';
import { Kafka, logLevel } from 'kafkajs';

/** A quiet kafkajs client of the run's broker (`KAFKA_BROKERS`, else the local one). */
export function runKafka(clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: (process.env['KAFKA_BROKERS'] ?? LOCAL_KAFKA_BROKERS.join(',')).split(','),
    logLevel: logLevel.NOTHING,
  });
}
