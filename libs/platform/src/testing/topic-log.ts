import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@scale-chat/contracts';
import { eventually } from '@scale-chat/wait';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';

/** One record as a `TopicLog` keeps it: where it was, its key and its envelope. */
export interface LoggedRecord {
  readonly topic: string;
  readonly key: string | undefined;
  readonly envelope: EventEnvelope;
}

/**
 * Everything written to some topics, read from their beginning by a consumer group of its
 * own and kept as it arrives: what a service published, which its outbox no longer holds
 * once sent (the relay deletes each row Kafka has). Records are kept in the order read:
 * per partition, so per key, the order written.
 */
export class TopicLog {
  private readonly records: LoggedRecord[] = [];
  private readonly read = new Map<string, number>();

  private constructor(
    private readonly admin: Admin,
    private readonly consumer: Consumer,
    private readonly topics: readonly string[],
  ) {}

  /** Starts reading `topics` (full names, any prefix included) once they all exist. */
  static async start(kafka: Kafka, topics: readonly string[]): Promise<TopicLog> {
    const admin = kafka.admin();
    await admin.connect();
    // A service creates its topics when its relay first leads: they may not exist yet.
    await eventually(`topics ${topics.join(', ')} created`, async () => {
      const existing = new Set(await admin.listTopics());
      return topics.every((topic) => existing.has(topic));
    });
    const consumer = kafka.consumer({ groupId: `topic-log-${randomUUID()}`, maxWaitTimeInMs: 100 });
    const log = new TopicLog(admin, consumer, topics);
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      eachMessage: ({ topic, partition, message }) => {
        log.records.push({
          topic,
          key: message.key?.toString(),
          envelope: JSON.parse(message.value?.toString() ?? 'null') as EventEnvelope,
        });
        log.read.set(`${topic}:${partition}`, Number(message.offset) + 1);
        return Promise.resolve();
      },
    });
    return log;
  }

  /** The records read so far, of `topic` if given, each event once (a relay may repeat one). */
  events(topic?: string): LoggedRecord[] {
    const seen = new Set<string>();
    return this.records.filter((record) => {
      if (topic !== undefined && record.topic !== topic) return false;
      if (seen.has(record.envelope.id)) return false;
      seen.add(record.envelope.id);
      return true;
    });
  }

  /**
   * Waits until the service behind `dataSource` has sent everything it wrote (its outbox
   * is empty) and this log has read all of it.
   */
  async waitForAllSentBy(dataSource: DataSource): Promise<void> {
    await eventually(
      'everything the service wrote sent and read back',
      async () => (await outboxIsEmpty(dataSource)) && (await this.caughtUp()),
    );
  }

  /** Whether every record the topics hold now has been read. */
  async caughtUp(): Promise<boolean> {
    for (const topic of this.topics) {
      for (const { partition, high, low } of await this.admin.fetchTopicOffsets(topic)) {
        if ((this.read.get(`${topic}:${partition}`) ?? Number(low)) < Number(high)) return false;
      }
    }
    return true;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.admin.disconnect();
  }
}

/** Whether the service's outbox is empty: the relay deletes each row once Kafka has it. */
export async function outboxIsEmpty(dataSource: DataSource): Promise<boolean> {
  const [row] = (await dataSource.query('SELECT count(*)::int AS "n" FROM "outbox"')) as {
    n: number;
  }[];
  return row?.n === 0;
}
