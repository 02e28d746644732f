import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createAdapter } from './index';
import { brokers, clusterOptions } from './testing/cluster';

describe('an adapter that cannot start', () => {
  it('rejects start and reports itself unhealthy, naming the reason', async () => {
    const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
    const topic = `test.socketio-${randomUUID().slice(0, 8)}`;
    const admin = kafka.admin();
    await admin.connect();
    // Not kafkajs' waitForLeaders: on a freshly formatted broker it gives up while the topic
    // is still unknown. start() waits for the leaders itself before it counts partitions.
    await admin.createTopics({ waitForLeaders: false, topics: [{ topic, numPartitions: 2 }] });
    try {
      const { bus } = createAdapter(kafka, clusterOptions({ topic }));
      const reason = `topic ${topic} has 2 partitions; the adapter needs exactly one (a total order)`;
      await expect(bus.start()).rejects.toThrow(reason);
      expect(bus.health()).toMatchObject({ healthy: false, reason });
    } finally {
      await admin.deleteTopics({ topics: [topic] });
      await admin.disconnect();
    }
  });
});
