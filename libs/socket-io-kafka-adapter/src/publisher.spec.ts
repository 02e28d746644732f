import type { Producer, ProducerRecord } from 'kafkajs';
import { eventually } from '@scale-chat/wait';
import { OrderedPublisher, PublishBufferFullError } from './publisher';

/** A producer double: fails the first `failures` sends, records what it accepted. */
function producerFailing(failures: number) {
  const accepted: string[] = [];
  let calls = 0;
  const producer = {
    send: (record: ProducerRecord) => {
      calls += 1;
      if (calls <= failures) return Promise.reject(new Error(`broker away (${calls})`));
      accepted.push(...record.messages.map((message) => String(message.value)));
      return Promise.resolve([]);
    },
  } as unknown as Producer;
  return { producer, accepted };
}

/** A producer double that refuses, as the broker does, any request holding `tooLarge`. */
function producerRefusing(tooLarge: string) {
  const requests: string[][] = [];
  const producer = {
    send: (record: ProducerRecord) => {
      const values = record.messages.map((message) => String(message.value));
      if (values.includes(tooLarge)) {
        return Promise.reject(Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' }));
      }
      requests.push(values);
      return Promise.resolve([]);
    },
  } as unknown as Producer;
  return { producer, requests };
}

function publisherWith(
  producer: Producer,
  maxBuffered = 100,
  maxBatch = 2,
  maxBatchBytes = 1_000,
  maxBufferedBytes = 1_000_000,
) {
  const errors: string[] = [];
  let recovered = 0;
  const publisher = new OrderedPublisher({
    producer,
    topic: 't.t',
    maxBuffered,
    maxBufferedBytes,
    maxBatch,
    maxBatchBytes,
    onError: (error) => errors.push(error.message),
    onRecovered: () => (recovered += 1),
  });
  return { publisher, errors, recovered: () => recovered };
}

describe('OrderedPublisher', () => {
  it('sends in order, in batches, and resolves each record', async () => {
    const { producer, accepted } = producerFailing(0);
    const { publisher } = publisherWith(producer);
    await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((value) => publisher.publish('k', Buffer.from(value))),
    );
    expect(accepted).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('settles once everything published so far is sent, through failed attempts', async () => {
    const { producer, accepted } = producerFailing(1);
    const { publisher } = publisherWith(producer);
    for (const value of ['a', 'b', 'c']) void publisher.publish('k', Buffer.from(value));
    await publisher.settled();
    expect(accepted).toEqual(['a', 'b', 'c']);
  });

  it('reports each failed attempt, retries, keeps the order, and says when it recovered', async () => {
    const { producer, accepted } = producerFailing(2);
    const { publisher, errors, recovered } = publisherWith(producer);
    await Promise.all(['a', 'b', 'c'].map((value) => publisher.publish('k', Buffer.from(value))));
    expect(errors).toEqual(['broker away (1)', 'broker away (2)']);
    expect(accepted).toEqual(['a', 'b', 'c']);
    expect(recovered()).toBe(1);
  });

  it('says it is failing from a failed attempt until one goes through', async () => {
    const { producer } = producerFailing(1);
    const { publisher, errors } = publisherWith(producer);
    expect(publisher.failing).toBe(false);
    const sent = publisher.publish('k', Buffer.from('a'));
    await eventually('the first attempt failed', () => errors.length === 1);
    expect(publisher.failing).toBe(true);
    await sent;
    expect(publisher.failing).toBe(false);
  });

  it('says how long its oldest record has waited for the broker, and 0 once none waits', async () => {
    let answer!: () => void;
    const producer = {
      send: () => new Promise<void>((resolve) => (answer = resolve)),
    } as unknown as Producer;
    const { publisher } = publisherWith(producer);
    expect(publisher.oldestWaitMs).toBe(0);
    const sent = publisher.publish('k', Buffer.from('a'));
    // A broker that does not answer: the wait grows though no request has failed.
    await eventually('the record has waited', () => publisher.oldestWaitMs >= 20);
    expect(publisher.failing).toBe(false);
    answer();
    await sent;
    expect(publisher.oldestWaitMs).toBe(0);
  });

  it('refuses and reports a record when the buffer is full, and keeps the others', async () => {
    const { producer, accepted } = producerFailing(1);
    const { publisher, errors } = publisherWith(producer, 2);
    const first = publisher.publish('k', Buffer.from('a'));
    const second = publisher.publish('k', Buffer.from('b'));
    await expect(publisher.publish('k', Buffer.from('c'))).rejects.toBeInstanceOf(
      PublishBufferFullError,
    );
    await Promise.all([first, second]);
    expect(accepted).toEqual(['a', 'b']);
    expect(errors[0]).toMatch(/publish buffer holds 2 records/);
  });

  it('refuses a record that would take the buffer past its bytes, and takes records again once sent', async () => {
    const { producer, accepted } = producerFailing(1);
    // Records of 32 bytes' framing, a 1-byte key and 300 bytes (333 each): three fit in 1,000.
    const { publisher, errors } = publisherWith(producer, 100, 100, 1_000_000, 1_000);
    const [a, b, c, d] = 'abcd'.split('').map((letter) => letter.repeat(300));
    const held = [a, b, c].map((value) => publisher.publish('k', Buffer.from(value ?? '')));
    expect(publisher.bufferedBytes).toBe(999);
    await expect(publisher.publish('k', Buffer.from(d ?? ''))).rejects.toBeInstanceOf(
      PublishBufferFullError,
    );
    expect(errors).toContainEqual(
      expect.stringMatching(/publish buffer holds 999 of its 1000 bytes/),
    );
    await Promise.all(held);
    expect(publisher.bufferedBytes).toBe(0);
    await publisher.publish('k', Buffer.from(d ?? ''));
    expect(accepted).toEqual([a, b, c, d]);
  });

  it('takes a record larger than its bytes into an empty buffer, so it is not refused for ever', async () => {
    const { producer, accepted } = producerFailing(0);
    const { publisher } = publisherWith(producer, 100, 100, 1_000_000, 100);
    const large = 'x'.repeat(500);
    await publisher.publish('k', Buffer.from(large));
    expect(accepted).toEqual([large]);
  });

  it('keeps each request within maxBatchBytes (the broker refuses a larger batch for good)', async () => {
    const { producer, requests } = producerRefusing('never');
    // Records of 32 bytes' framing, a 1-byte key and 300 bytes: three fit in 1,000 bytes.
    const { publisher } = publisherWith(producer, 100, 100, 1_000);
    const values = 'abcdefgh'.split('').map((letter) => letter.repeat(300));
    await Promise.all(values.map((value) => publisher.publish('k', Buffer.from(value))));
    expect(requests.flat()).toEqual(values);
    expect(requests.map((request) => request.length)).toEqual([1, 3, 3, 1]);
  });

  it('refuses a record the broker refuses alone three times, reports each refusal, and sends the others in order', async () => {
    const { producer, requests } = producerRefusing('huge');
    const { publisher, errors } = publisherWith(producer, 100, 100, 1_000);
    const [a, huge, b] = ['a', 'huge', 'b'].map((value) =>
      publisher.publish('k', Buffer.from(value)),
    );
    await expect(huge).rejects.toThrow('too large');
    await Promise.all([a, b]);
    expect(requests.flat()).toEqual(['a', 'b']);
    // [huge, b] refused, then huge alone three times.
    expect(errors).toEqual(['too large', 'too large', 'too large', 'too large']);
  });

  it('keeps requests within half the bytes of one the broker refused as too large, many records still', async () => {
    const requests: number[] = [];
    const producer = {
      // A topic that takes at most 700 bytes a request; each record here is 133.
      send: (record: ProducerRecord) => {
        const bytes = record.messages.length * 133;
        if (bytes > 700) {
          return Promise.reject(
            Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' }),
          );
        }
        requests.push(record.messages.length);
        return Promise.resolve([]);
      },
    } as unknown as Producer;
    const { publisher } = publisherWith(producer, 100, 100, 1_000);
    const first = publisher.publish('k', Buffer.alloc(100));
    await Promise.all([
      first,
      ...Array.from({ length: 20 }, () => publisher.publish('k', Buffer.alloc(100))),
    ]);
    // 1 alone, then 7 (931 bytes) refused, then at most 465 bytes: 3 a request.
    expect(requests).toEqual([1, 3, 3, 3, 3, 3, 3, 2]);
  });

  it('refuses what is left when closed', async () => {
    const { producer } = producerFailing(Number.MAX_SAFE_INTEGER);
    const { publisher } = publisherWith(producer);
    const pending = publisher.publish('k', Buffer.from('a'));
    await publisher.close(50);
    await expect(pending).rejects.toThrow('the publisher was closed');
    await expect(publisher.publish('k', Buffer.from('b'))).rejects.toThrow(
      'the publisher is closed',
    );
  });
});
