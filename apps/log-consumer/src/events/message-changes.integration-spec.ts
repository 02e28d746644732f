import { eventuallyValue } from '@scale-chat/wait';
import { randomUUID } from 'node:crypto';
import {
  CHAT_ROOM_EVENTS_TOPIC,
  MESSAGE_CHANGE_TYPES,
  ROOM_EVENT_TYPES,
  type EventEnvelope,
  type MessageView,
} from '@scale-chat/contracts';
import { startTestJwks, type TestJwks, type TestService } from '@scale-chat/platform/testing';
import type { Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { WordCountsRetention } from './word-counts-retention';
import type { LogConfig } from '../log-config';
import { adminTokenOf, startFedLogConsumer } from '../stats/stats-test-kit';

jest.setTimeout(90_000);

/** A room's messages as chat-gateway reports them: each change takes the next version. */
class Room {
  readonly id = randomUUID();
  private version = 0;

  send(body: string, createdAt = new Date()): { message: MessageView; event: EventEnvelope } {
    this.version += 1;
    const message: MessageView = {
      id: randomUUID(),
      roomId: this.id,
      seq: this.version,
      senderId: randomUUID(),
      body,
      clientMsgId: randomUUID(),
      createdAt: createdAt.toISOString(),
      version: this.version,
      editedAt: null,
      deletedAt: null,
      replyToSeq: null,
      reactions: [],
      mentions: [],
    };
    return { message, event: this.event(ROOM_EVENT_TYPES.messageSent, { message }, createdAt) };
  }

  edit(message: MessageView, body: string): EventEnvelope {
    return this.change(MESSAGE_CHANGE_TYPES.messageEdited, message, {
      body,
      editedAt: new Date().toISOString(),
    });
  }

  delete(message: MessageView): EventEnvelope {
    return this.change(MESSAGE_CHANGE_TYPES.messageDeleted, message, {
      body: '',
      deletedAt: new Date().toISOString(),
    });
  }

  private change(type: string, message: MessageView, fields: Partial<MessageView>) {
    this.version += 1;
    const changed = { ...message, ...fields, version: this.version };
    return this.event(type, { message: changed, userId: message.senderId });
  }

  private event(type: string, data: unknown, occurredAt = new Date()): EventEnvelope {
    return { id: randomUUID(), type, occurredAt: occurredAt.toISOString(), data };
  }
}

describe('log-consumer: edits and deletions in the top words', () => {
  let jwks: TestJwks;
  let service: TestService<LogConfig>;
  let producer: Producer;
  let adminToken: string;
  const prefix = `test-changes-${randomUUID().slice(0, 8)}`;

  const get = async (path: string) => {
    const response = await fetch(`${service.url}${path}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    return (await response.json()) as Record<string, unknown>;
  };
  /** Keyed by room id, as chat-gateway's outbox keys them: one partition, in order. */
  const publish = async (room: Room, events: readonly EventEnvelope[]) => {
    await producer.send({
      topic: `${prefix}.${CHAT_ROOM_EVENTS_TOPIC.name}`,
      messages: events.map((event) => ({ key: room.id, value: JSON.stringify(event) })),
    });
  };
  /** The counts of `words` (absent: 0) in a window's top words. */
  const countsOf = async (words: readonly string[], window = '24h') => {
    const { items } = (await get(`/api/stats/top-words?window=${window}&limit=100`)) as {
      items: { word: string; count: number }[];
    };
    return Object.fromEntries(
      words.map((word) => [word, items.find((item) => item.word === word)?.count ?? 0]),
    );
  };
  /** Waits until a message of `marker` sent after `events` is counted: they were read. */
  const publishThenSettle = async (room: Room, events: readonly EventEnvelope[]) => {
    const marker = `marker${randomUUID().replaceAll('-', '').replace(/\d/g, '')}`;
    await publish(room, [...events, room.send(marker).event]);
    await eventuallyValue(
      `the events before ${marker} to be read`,
      () => countsOf([marker]),
      (counts) => counts[marker] === 1,
    );
  };

  beforeAll(async () => {
    jwks = await startTestJwks();
    ({ service, producer } = await startFedLogConsumer({
      AUTH_JWKS_URL: jwks.url,
      ADMIN_USERNAMES: 'chief',
      KAFKA_TOPIC_PREFIX: `${prefix}.`,
      KAFKA_GROUP_PREFIX: `${prefix}.log-consumer`,
    }));
    adminToken = await adminTokenOf(jwks);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await service?.close();
    await jwks?.close();
  });

  it('takes a deleted message’s words out of every window that holds it, and keeps it counted as sent', async () => {
    const room = new Room();
    const recent = room.send('zebra quokka quokka');
    const older = room.send('zebra wombat', new Date(Date.now() - 30 * 60_000));
    const kept = room.send('zebra');
    await publishThenSettle(room, [recent.event, older.event, kept.event]);
    const words = ['zebra', 'quokka', 'wombat'];
    expect(await countsOf(words, '15m')).toEqual({ zebra: 2, quokka: 2, wombat: 0 });
    expect(await countsOf(words, '1h')).toEqual({ zebra: 3, quokka: 2, wombat: 1 });

    await publishThenSettle(room, [room.delete(recent.message), room.delete(older.message)]);
    expect(await countsOf(words, '15m')).toEqual({ zebra: 1, quokka: 0, wombat: 0 });
    expect(await countsOf(words, '1h')).toEqual({ zebra: 1, quokka: 0, wombat: 0 });
    // Counts are of messages sent: 3 and the 2 markers, the deleted ones still among them.
    expect(await get('/api/stats/summary')).toMatchObject({ messages: 5 });
  });

  it('changes the figures once when Kafka delivers a deletion, an edit or the send again', async () => {
    const room = new Room();
    const gone = room.send('apple apple banana');
    const edited = room.send('apple cherry');
    const kept = room.send('apple');
    const deletion = room.delete(gone.message);
    const edit = room.edit(edited.message, 'durian durian');
    await publishThenSettle(room, [gone.event, edited.event, kept.event, deletion, edit]);
    const words = ['apple', 'banana', 'cherry', 'durian'];
    const once = { apple: 1, banana: 0, cherry: 0, durian: 2 };
    expect(await countsOf(words)).toEqual(once);

    // A relay that published again after a crash, a batch read again after a rebalance.
    await publishThenSettle(room, [gone.event, deletion, deletion, edited.event, edit, edit]);
    expect(await countsOf(words)).toEqual(once);
    const text = await (await fetch(`${service.url}/metrics`)).text();
    const duplicates = Number(/^log_events_duplicates_total\{[^}]*\} (\d+)$/m.exec(text)?.[1]);
    expect(duplicates).toBeGreaterThanOrEqual(6);
  });

  it('replaces an edited message’s words in the minute it was sent, edit after edit, until it is deleted', async () => {
    const room = new Room();
    const sent = room.send('hello kafka', new Date(Date.now() - 30 * 60_000));
    const first = room.edit(sent.message, 'hello postgres postgres');
    await publishThenSettle(room, [sent.event, first]);
    const words = ['hello', 'kafka', 'postgres', 'redis'];
    // An edit now keeps the words in the message's minute: out of 15m, in 1h.
    expect(await countsOf(words, '15m')).toEqual({ hello: 0, kafka: 0, postgres: 0, redis: 0 });
    expect(await countsOf(words, '1h')).toEqual({ hello: 1, kafka: 0, postgres: 2, redis: 0 });

    const second = room.edit(sent.message, 'redis');
    await publishThenSettle(room, [second]);
    expect(await countsOf(words, '1h')).toEqual({ hello: 0, kafka: 0, postgres: 0, redis: 1 });

    await publishThenSettle(room, [room.delete(sent.message)]);
    expect(await countsOf(words, '1h')).toEqual({ hello: 0, kafka: 0, postgres: 0, redis: 0 });
  });

  it('forgets the word counts of minutes no window reaches, and an edit of such a message still adds up', async () => {
    const room = new Room();
    const old = room.send('ancient ancient', new Date(Date.now() - 30 * 60 * 60_000));
    const recent = room.send('ancient fresh', new Date(Date.now() - 60 * 60_000));
    await publishThenSettle(room, [old.event, recent.event]);
    const database = service.app.get(DataSource);
    const minutesOf = async (word: string) =>
      (
        (await database.query(`SELECT count(*)::int AS "n" FROM "word_counts" WHERE "word" = $1`, [
          word,
        ])) as { n: number }[]
      )[0]?.n;
    expect(await minutesOf('ancient')).toBe(2);

    const wordsKept = async () =>
      (
        (await database.query(
          `SELECT "message_id" AS "id" FROM "message_words" WHERE "message_id" = ANY($1::uuid[])`,
          [[old.message.id, recent.message.id]],
        )) as { id: string }[]
      ).map(({ id }) => id);
    expect((await wordsKept()).sort()).toEqual([old.message.id, recent.message.id].sort());

    expect(await service.app.get(WordCountsRetention).forgetOld()).toBeGreaterThanOrEqual(2);
    expect(await minutesOf('ancient')).toBe(1);
    expect(await wordsKept()).toEqual([recent.message.id]);
    expect(await countsOf(['ancient', 'fresh'])).toEqual({ ancient: 1, fresh: 1 });

    // Its words leave a minute that no longer holds them: nothing is left below zero.
    await publishThenSettle(room, [room.edit(old.message, 'modern')]);
    expect(await database.query(`SELECT "word" FROM "word_counts" WHERE "count" <= 0`)).toEqual([]);
    expect(await countsOf(['ancient', 'fresh', 'modern'])).toEqual({
      ancient: 1,
      fresh: 1,
      modern: 0,
    });
  });
});
