import { eventually } from '@scale-chat/wait';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import {
  brokers,
  clusterOptions,
  collect,
  connectClient,
  startCluster,
  startInstance,
} from './testing/cluster';

describe('an instance joining and leaving the cluster', () => {
  // A heartbeat timeout far past any wait here: an instance dropped within one left by
  // saying goodbye.
  const options = clusterOptions({ heartbeatTimeout: 60_000 });
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();

  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('starts several instances at once on a topic none of them created yet', async () => {
    const fresh = clusterOptions();
    const instances = await Promise.all([1, 2, 3].map(() => startInstance(fresh)));
    await eventually('all three to know each other', () =>
      instances.every((instance) => instance.adapter.bus.serverCount() === 3),
    );
    for (const instance of instances) await instance.close();
    // Retention deletes rolled segments only: the topic rolls its own within its hour.
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: fresh.topic ?? '' }],
    });
    const config = Object.fromEntries(
      (resources[0]?.configEntries ?? []).map(({ configName, configValue }) => [
        configName,
        configValue,
      ]),
    );
    expect([config['retention.ms'], config['segment.ms']]).toEqual(['3600000', '600000']);
  });

  it('receives broadcasts as soon as it has started, and leaves no consumer group behind', async () => {
    const [first] = await startCluster(1, options);
    if (first === undefined) throw new Error('cluster did not start');
    const started = Date.now();
    const newcomer = await startInstance(options);
    const startMs = Date.now() - started;
    const client = await connectClient(newcomer.url);
    const received = collect<string>(client, 'hello');
    first.io.emit('hello', 'from the first');
    await eventually('first broadcast to the newcomer', () => received.length === 1);
    await eventually('the first to know the newcomer', () => first.adapter.bus.serverCount() === 2);
    process.stdout.write(`a new instance was ready in ${startMs} ms\n`);

    const group = `${options.groupIdPrefix}-${newcomer.adapter.bus.uid}`;
    expect((await admin.listGroups()).groups.map((entry) => entry.groupId)).toContain(group);
    client.disconnect();
    await newcomer.close();
    // Its goodbye drops it at once, not after the heartbeat timeout.
    await eventually('the newcomer to be dropped', () => first.adapter.bus.serverCount() === 1);
    expect((await admin.listGroups()).groups.map((entry) => entry.groupId)).not.toContain(group);
    await first.close();
  });
});
