import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@scale-chat/platform/testing';
import { DataSource } from 'typeorm';
import { CreateEventLog1765000000000 } from './1765000000000-create-event-log';
import { CreateMessageWords1766000000000 } from './1766000000000-create-message-words';

/** A logged `message.sent`, as the event log stored it before message_words existed. */
function sent(body: string, occurredAt: string, version?: number) {
  const message = {
    id: randomUUID(),
    roomId: randomUUID(),
    seq: 4,
    body,
    ...(version === undefined ? {} : { version }),
  };
  return { eventId: randomUUID(), occurredAt, data: { message } };
}

describe('message_words migration on an event log that already holds messages', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = new DataSource({
      type: 'postgres',
      url: database.url,
      migrations: [CreateEventLog1765000000000],
    });
    await dataSource.initialize();
    await dataSource.runMigrations();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('counts the words of every message sent so far, in its minute and at its version', async () => {
    const before = sent('Kafka 파티션 kafka', '2026-01-05T10:00:42.123Z');
    const after = sent('hello postgres', '2026-01-05T10:03:00.000Z', 9);
    for (const event of [before, after])
      await dataSource.query(
        `INSERT INTO "events" ("event_id", "topic", "type", "key", "occurred_at", "data")
         VALUES ($1, 'chat.room-events', 'message.sent', NULL, $2, $3)`,
        [event.eventId, event.occurredAt, JSON.stringify(event.data)],
      );
    const runner = dataSource.createQueryRunner();
    try {
      await new CreateMessageWords1766000000000().up(runner);
    } finally {
      await runner.release();
    }
    const rows = (await dataSource.query(
      `SELECT "message_id", "minute", "version", "words" FROM "message_words" ORDER BY "minute"`,
    )) as { message_id: string; minute: Date; version: number; words: string[] }[];
    expect(rows.map((row) => ({ ...row, minute: row.minute.toISOString() }))).toEqual([
      // Logged before v1.1: its version is its seq.
      {
        message_id: before.data.message.id,
        minute: '2026-01-05T10:00:00.000Z',
        version: 4,
        words: ['kafka', '파티션', 'kafka'],
      },
      {
        message_id: after.data.message.id,
        minute: '2026-01-05T10:03:00.000Z',
        version: 9,
        words: ['hello', 'postgres'],
      },
    ]);
  });
});
