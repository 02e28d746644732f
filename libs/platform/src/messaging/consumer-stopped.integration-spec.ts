import { randomUUID } from 'node:crypto';
import { Controller, Module, type DynamicModule } from '@nestjs/common';
import { defineTopic, LOCAL_KAFKA_BROKERS } from '@scale-chat/contracts';
import { eventuallyValue } from '@scale-chat/wait';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type Admin,
} from 'kafkajs';
import pino from 'pino';
import { readServiceConfig, type ServiceConfig } from '../config';
import { createKafkaClient } from '../kafka';
import { PlatformModule } from '../platform.module';
import { startTestService, type TestService } from '../testing/test-service';
import { consumerGroup, OnEvent } from './event-routes';

const GUARDED = consumerGroup({
  name: 'guarded',
  topics: [defineTopic({ name: 'test.guarded', key: 'userId', partitions: 1 })],
});

@Controller()
class GuardedController {
  @OnEvent(GUARDED, 'guarded.noted', (data) => data)
  noted(): Promise<void> {
    return Promise.resolve();
  }
}

@Module({})
class GuardedServiceModule {
  static register(config: ServiceConfig): DynamicModule {
    return {
      module: GuardedServiceModule,
      imports: [PlatformModule.forService(config)],
      controllers: [GuardedController],
    };
  }
}

const guardedService = {
  service: 'log-consumer' as const,
  readConfig: (env: Record<string, string | undefined>) => readServiceConfig('log-consumer', env),
  rootModule: (config: ServiceConfig) => GuardedServiceModule.register(config),
};

const kafka = createKafkaClient({
  clientId: `consumer-stopped-test-${process.pid}`,
  brokers: process.env['KAFKA_BROKERS']?.split(',') ?? [...LOCAL_KAFKA_BROKERS],
  logger: pino({ level: 'silent' }),
});

/** Every client of the tests' plaintext listener, as the broker's authorizer names it. */
const ANONYMOUS = 'User:ANONYMOUS';

/** An ACL that refuses group `name` to the plaintext listener's clients. */
const denyGroup = (name: string) => ({
  resourceType: AclResourceTypes.GROUP,
  resourceName: name,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: ANONYMOUS,
  host: '*',
  operation: AclOperationTypes.ALL,
  permissionType: AclPermissionTypes.DENY,
});

jest.setTimeout(120_000);

/**
 * A consumer group its Kafka user may not use (an ACL the chart's authorization left out,
 * say) stops the consumer: kafkajs retries nothing it takes for hopeless. The service must
 * say so: its start fails, or, once running, `GET /health` names it and
 * `kafka_consumer_stopped` (which an alert reads) is 1; and it starts the consumer again
 * now and then, so mending the ACL is enough.
 */
describe('a consumer group that Kafka refuses', () => {
  let admin: Admin;
  const denied: string[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    if (denied.length > 0) await admin.deleteAcls({ filters: denied.map(denyGroup) });
    await admin.disconnect();
  });

  const deny = async (group: string) => {
    denied.push(group);
    await admin.createAcls({ acl: [denyGroup(group)] }).catch((error: unknown) => {
      // A broker started before tools/kafka/server.properties turned its authorizer on.
      if ((error as { type?: unknown }).type === 'SECURITY_DISABLED')
        throw new Error(
          'the broker has no authorizer: restart it (node tools/run.js infra down, then up) to take tools/kafka/server.properties',
        );
      throw error;
    });
  };

  it('fails the start of a service, naming the group', async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}-log-consumer`;
    await deny(`${prefix}.guarded`);
    await expect(
      startTestService(guardedService, { KAFKA_GROUP_PREFIX: prefix, LOG_LEVEL: 'fatal' }),
    ).rejects.toThrow(`consumer group ${prefix}.guarded stopped`);
  });

  describe('once the service runs', () => {
    let service: TestService;

    beforeAll(async () => {
      service = await startTestService(guardedService, { LOG_LEVEL: 'fatal' });
    });

    afterAll(async () => {
      await service?.close();
    });

    it('names the group and why in GET /health and kafka_consumer_stopped, staying ready; back once Kafka allows it again', async () => {
      const group = `${service.config.kafkaGroupPrefix}.guarded`;
      const healthy = await fetch(`${service.url}/health`);
      expect(healthy.status).toBe(200);
      expect(await healthy.json()).toMatchObject({
        info: { 'kafka-consumers': { status: 'up', groups: [group] } },
      });

      await deny(group);
      // Its next heartbeat is refused (one every three seconds).
      const stoppedLine = (text: string) =>
        text
          .split('\n')
          .find(
            (line) => line.startsWith('kafka_consumer_stopped{') && line.includes(`"${group}"`),
          );
      await eventuallyValue(
        'kafka_consumer_stopped 1',
        async () => stoppedLine(await (await fetch(`${service.url}/metrics`)).text()),
        (line) => line?.endsWith(' 1') === true,
        30_000,
      );
      const health = await fetch(`${service.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        info: {
          'kafka-consumers': {
            status: 'up',
            stopped: [{ group, error: expect.stringMatching(/authoriz/i) as unknown }],
          },
        },
      });

      // The ACL mended: the consumer is started again (5 s after it stopped, then less
      // often) and joins its group, without the service restarting.
      await admin.deleteAcls({ filters: [denyGroup(group)] });
      denied.splice(denied.indexOf(group), 1);
      await eventuallyValue(
        'kafka_consumer_stopped 0',
        async () => stoppedLine(await (await fetch(`${service.url}/metrics`)).text()),
        (line) => line?.endsWith(' 0') === true,
        45_000,
      );
      const mended = await fetch(`${service.url}/health`);
      expect(mended.status).toBe(200);
      const report = (await mended.json()) as { info: Record<string, unknown> };
      expect(report.info['kafka-consumers']).toEqual({ status: 'up', groups: [group] });
    });
  });
});
