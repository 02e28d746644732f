import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { PinoLogger } from 'nestjs-pino';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { withTimeout } from '../util/with-timeout';
import { createKafkaClient } from './kafka-client';

/**
 * The service's Kafka client, its one producer and one shared admin connection, each
 * opened on first use. A service does not start without the broker (its consumers join
 * and its outbox relay connects at bootstrap, after kafkajs' retries the start fails and
 * the process exits, for its supervisor to start it again); once running, a broker
 * that goes away is reported by the health check (`ping`) and waited for.
 */
@Injectable()
export class KafkaConnection implements OnApplicationShutdown {
  readonly kafka: Kafka;
  private readonly admin: Admin;
  private connecting: Promise<Admin> | undefined;
  private producer: Promise<Producer> | undefined;

  constructor(@Inject(SERVICE_CONFIG) config: ServiceConfig, logger: PinoLogger) {
    const options = {
      clientId: config.instanceId,
      brokers: config.kafkaBrokers,
      security: config.kafkaSecurity,
      logger: logger.logger,
    };
    this.kafka = createKafkaClient(options);
    // The admin gives up quickly: a health check that finds the broker away says so at
    // once, and the next check tries again.
    this.admin = createKafkaClient({
      ...options,
      retry: { retries: 1, initialRetryTime: 200 },
    }).admin();
  }

  /** Resolves when a broker answers a metadata request within `timeoutMs`. */
  async ping(timeoutMs: number): Promise<void> {
    const admin = await withTimeout(this.connectedAdmin(), timeoutMs, 'Kafka connection');
    await withTimeout(admin.describeCluster(), timeoutMs, 'Kafka describeCluster');
  }

  connectedAdmin(): Promise<Admin> {
    if (this.connecting === undefined) {
      const connecting = this.admin.connect().then(() => this.admin);
      this.connecting = connecting;
      // A failed attempt is forgotten so the next call tries again.
      connecting.catch(() => {
        if (this.connecting === connecting) this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  /**
   * The service's one producer (acks from all in-sync replicas, one request in flight so a
   * key's records stay in order), connected on first use. Not kafkajs' idempotent mode:
   * after a stalled broker its sequence numbers can fall out of step with the broker's and
   * every request after is refused (OUT_OF_ORDER_SEQUENCE_NUMBER) for good, which would
   * stop the outbox relay. A record written twice by a retry is a repeat its consumers drop
   * by event id, as they do after a relay restart.
   */
  connectedProducer(): Promise<Producer> {
    if (this.producer === undefined) {
      const producer = this.kafka.producer({
        idempotent: false,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      const connecting = producer.connect().then(() => producer);
      this.producer = connecting;
      connecting.catch(() => {
        if (this.producer === connecting) this.producer = undefined;
      });
    }
    return this.producer;
  }

  async onApplicationShutdown(): Promise<void> {
    this.connecting = undefined;
    const producer = this.producer;
    this.producer = undefined;
    await Promise.all([
      this.admin.disconnect(),
      producer?.then(
        (connected) => connected.disconnect(),
        () => undefined, // it never connected: nothing to close
      ),
    ]);
  }
}
