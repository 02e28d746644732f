import { eventually } from '@scale-chat/wait';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { parse } from 'yaml';
import { CACHE_DIR, fetchKafka, freePort, javaArgs, REPO_ROOT, run, sayAs, stopPid } from './infra';

/**
 * The three brokers of docker-compose.yml, run for real: each broker's `KAFKA_*` settings
 * become its server.properties as the apache/kafka image makes them, with the compose host
 * names and ports moved to 127.0.0.1 and free ports. Then what the settings promise: topics
 * on three brokers, no write acknowledged with fewer than two in sync, writes going on with
 * a broker down. A chaos spec: it stops a broker (of its own cluster) and runs three JVMs,
 * so `npm test` runs it on its own, after everything else.
 */
const DIR = join(CACHE_DIR, 'compose-kafka-test');
const BROKERS = ['kafka-1', 'kafka-2', 'kafka-3'] as const;

interface BrokerPorts {
  readonly client: number;
  readonly controller: number;
}

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as { services: Record<string, { environment: Record<string, string | number> }> };

/** The apache/kafka image's mapping: KAFKA_A_B → a.b, `__` → `-`, `___` → `_`. */
function propertyName(variable: string): string {
  return variable
    .slice('KAFKA_'.length)
    .toLowerCase()
    .split('___')
    .map((part) => part.replace(/__/g, '-').replace(/_/g, '.'))
    .join('_');
}

function serverProperties(broker: string, ports: Map<string, BrokerPorts>): string {
  const environment = compose.services[broker]?.environment ?? {};
  const own = ports.get(broker);
  if (own === undefined) throw new Error(`no ports for ${broker}`);
  const lines = Object.entries(environment)
    .filter(([name]) => name.startsWith('KAFKA_') && name !== 'KAFKA_HEAP_OPTS')
    .map(([name, value]) => {
      let text = String(value)
        .replace('PLAINTEXT://:9092', `PLAINTEXT://127.0.0.1:${own.client}`)
        .replace('CONTROLLER://:9093', `CONTROLLER://127.0.0.1:${own.controller}`);
      for (const [other, { client, controller }] of ports) {
        text = text
          .replaceAll(`${other}:9092`, `127.0.0.1:${client}`)
          .replaceAll(`${other}:9093`, `127.0.0.1:${controller}`);
      }
      if (name === 'KAFKA_LOG_DIRS') text = join(DIR, broker, 'data');
      return `${propertyName(name)}=${text}`;
    });
  return `${lines.join('\n')}\n`;
}

describe('the three-broker KRaft cluster of docker-compose.yml (real brokers)', () => {
  const ports = new Map<string, BrokerPorts>();
  const processes = new Map<string, ChildProcess>();
  let bootstrap: string[] = [];
  let libs = '';

  beforeAll(async () => {
    rmSync(DIR, { recursive: true, force: true });
    libs = await fetchKafka(sayAs('kafka'));
    for (const broker of BROKERS) {
      ports.set(broker, { client: await freePort(), controller: await freePort() });
    }
    const clusterId = /\$\{[A-Z_]+:-([^}]+)\}/.exec(
      String(compose.services['kafka-1']?.environment['CLUSTER_ID']),
    )?.[1];
    if (clusterId === undefined) throw new Error('docker-compose.yml sets no CLUSTER_ID');
    for (const broker of BROKERS) {
      const dir = join(DIR, broker);
      mkdirSync(join(dir, 'logs'), { recursive: true });
      const properties = join(dir, 'server.properties');
      writeFileSync(properties, serverProperties(broker, ports));
      const logs = join(dir, 'logs');
      await run(
        'java',
        javaArgs(
          libs,
          'kafka.tools.StorageTool',
          ['format', '-t', clusterId, '-c', properties],
          logs,
        ),
      );
      processes.set(
        broker,
        spawn('java', javaArgs(libs, 'kafka.Kafka', [properties], logs), { stdio: 'ignore' }),
      );
    }
    bootstrap = [...ports.values()].map(({ client }) => `127.0.0.1:${client}`);
    const admin = new Kafka({ brokers: bootstrap, logLevel: logLevel.NOTHING }).admin();
    await eventually(
      'three brokers in the cluster',
      async () => {
        try {
          await admin.connect();
          return (await admin.describeCluster()).brokers.length === 3;
        } catch {
          return false;
        } finally {
          await admin.disconnect();
        }
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.all(
      [...processes.values()].map((child) =>
        child.pid !== undefined && child.exitCode === null
          ? stopPid(child.pid, 5_000)
          : Promise.resolve(),
      ),
    );
    rmSync(DIR, { recursive: true, force: true });
  }, 30_000);

  it('replicates topics three times, acknowledges a write only with two in sync, also with a broker down', async () => {
    const kafka = new Kafka({
      brokers: bootstrap,
      logLevel: logLevel.NOTHING,
      retry: { retries: 2 },
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // The brokers run with the compose settings, not Kafka's defaults (1, 1, false).
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.BROKER, name: '1' }],
      });
      const settings = Object.fromEntries(
        (resources[0]?.configEntries ?? []).map((entry) => [entry.configName, entry.configValue]),
      );
      expect(settings).toMatchObject({
        'default.replication.factor': '3',
        'min.insync.replicas': '2',
        'unclean.leader.election.enable': 'false',
        'auto.create.topics.enable': 'false',
      });
      await admin.createTopics({
        waitForLeaders: false,
        topics: [
          { topic: 'compose.defaults', numPartitions: 3 },
          // Two replicas, on kafka-1 and kafka-3: with kafka-3 gone only one is in sync.
          {
            topic: 'compose.two-replicas',
            replicaAssignment: [{ partition: 0, replicas: [1, 3] }],
          },
        ],
      });
      // A new topic reaches every broker's metadata a moment after it is created.
      let replicas: number[] = [];
      await eventually(
        'the topic on every broker',
        async () => {
          const { topics } = await admin
            .fetchTopicMetadata({ topics: ['compose.defaults'] })
            .catch(() => ({ topics: [] }));
          replicas = topics[0]?.partitions.map((partition) => partition.replicas.length) ?? [];
          return replicas.length === 3;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      expect(replicas).toEqual([3, 3, 3]);
    } finally {
      await admin.disconnect();
    }

    const send = async (topic: string) => {
      const producer = kafka.producer({ idempotent: true, retry: { retries: 1 } });
      await producer.connect();
      try {
        await producer.send({
          topic,
          acks: -1,
          timeout: 5_000,
          messages: [{ key: 'k', value: 'v' }],
        });
      } finally {
        await producer.disconnect();
      }
    };
    const succeeds = (topic: string) => () =>
      send(topic).then(
        () => true,
        () => false,
      );
    await eventually('writes with all three up', succeeds('compose.defaults'), {
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    await eventually('writes to two replicas', succeeds('compose.two-replicas'), {
      timeoutMs: 30_000,
      intervalMs: 500,
    });

    // kafka-3 stops (a controlled shutdown: the controller takes it out of every ISR).
    const pid = processes.get('kafka-3')?.pid;
    if (pid !== undefined) await stopPid(pid, 15_000);
    const monitor = kafka.admin();
    await monitor.connect();
    try {
      await eventually(
        'kafka-3 out of the in-sync replicas',
        async () => {
          const { topics } = await monitor.fetchTopicMetadata({ topics: ['compose.two-replicas'] });
          return topics[0]?.partitions[0]?.isr.length === 1;
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
    } finally {
      await monitor.disconnect();
    }
    // Every partition of a default topic keeps two in sync: writes go on ...
    await eventually('writes with kafka-3 down', succeeds('compose.defaults'), {
      timeoutMs: 60_000,
      intervalMs: 1_000,
    });
    // ... and one in sync is fewer than min.insync.replicas: acks=all is refused.
    await expect(send('compose.two-replicas')).rejects.toThrow(/in-sync replicas/);
  }, 150_000);
});
