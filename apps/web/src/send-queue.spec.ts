import type { MessageView } from '@scale-chat/contracts';
import { MemoryStorage } from './memory-storage.fixture';
import { messageView, ROOM_ID as ROOM } from './message-view.fixture';
import {
  keptSendsIn,
  MAX_ATTEMPTS,
  rateLimitWaitMs,
  resumedSends,
  OFFLINE_FAIL_MS,
  SendQueue,
  type ChatSocket,
  type PendingMessage,
} from './send-queue';

/**
 * The send queue's order, retries and offline handling, with the socket replaced by a
 * fake whose acknowledgements the test gives: the logic alone.
 */

interface Asked {
  readonly payload: { clientMsgId: string; body: string; roomId: string };
  /** The server's answer. */
  readonly answer: (value: unknown) => void;
  /** No answer in time: Socket.IO's `timeout()` rejects. */
  readonly timeOut: () => void;
}

class FakeSocket {
  connected = true;
  readonly asked: Asked[] = [];

  timeout(): { emitWithAck: (event: string, payload: Asked['payload']) => Promise<unknown> } {
    return {
      emitWithAck: (event, payload) => {
        expect(event).toBe('message:send');
        return new Promise((answer, reject) =>
          this.asked.push({ payload, answer, timeOut: () => reject(new Error('timeout')) }),
        );
      },
    };
  }

  /** The oldest question not answered yet, taken off the list. */
  next(): Asked {
    const asked = this.asked.shift();
    if (asked === undefined) throw new Error('nothing was sent');
    return asked;
  }
}

function stored(payload: Asked['payload'], seq: number): { ok: true; message: MessageView } {
  return {
    ok: true,
    message: messageView(seq, seq, {
      clientMsgId: payload.clientMsgId,
      body: payload.body,
      senderId: 'me',
    }),
  };
}

const refused = (code: string, message = `no: ${code}`) => ({
  ok: false,
  error: { code, message },
});

/** A `rate_limited` refusal asking to wait `seconds`, as the gateway answers it. */
const tooFrequent = (seconds: number) => ({
  ok: false,
  error: {
    code: 'rate_limited',
    message: `Too many requests; try again in ${seconds} s`,
    retryAfterSeconds: seconds,
  },
});

/** Lets every settled promise's callbacks run. */
const settled = () =>
  new Promise<void>((resolve) => jest.requireActual('timers').setImmediate(resolve));

describe('SendQueue', () => {
  let socket: FakeSocket;
  let pending: readonly PendingMessage[];
  let storedMessages: MessageView[];
  let queue: SendQueue;
  let ids: number;

  beforeEach(() => {
    jest.useFakeTimers();
    socket = new FakeSocket();
    pending = [];
    storedMessages = [];
    ids = 0;
    queue = new SendQueue(
      {
        pending: () => pending,
        setPending: (next) => (pending = next),
        socket: () => socket as unknown as ChatSocket,
        stored: (message) => {
          storedMessages.push(message);
          queue.settle(message.clientMsgId, true);
        },
      },
      () => `c${(ids += 1)}`,
    );
  });

  afterEach(() => {
    queue.stop();
    jest.useRealTimers();
  });

  it('sends one message at a time, in the order written', async () => {
    queue.add(ROOM, 'one');
    queue.add(ROOM, 'two');
    queue.add(ROOM, 'three');
    expect(socket.asked.map((asked) => asked.payload.body)).toEqual(['one']);

    const first = socket.next();
    first.answer(stored(first.payload, 1));
    await settled();
    expect(socket.asked.map((asked) => asked.payload.body)).toEqual(['two']);
    const second = socket.next();
    second.answer(stored(second.payload, 2));
    await settled();
    const third = socket.next();
    third.answer(stored(third.payload, 3));
    await settled();

    expect(storedMessages.map((message) => message.body)).toEqual(['one', 'two', 'three']);
    expect(pending).toEqual([]);
  });

  it('tries a message again after a passing failure, under the same clientMsgId, before any later one', async () => {
    queue.add(ROOM, 'first');
    queue.add(ROOM, 'second');
    socket.next().timeOut();
    await settled();
    expect(socket.asked).toEqual([]);
    expect(pending.map((message) => [message.body, message.state, message.error])).toEqual([
      ['first', 'sending', "the server didn't answer in time"],
      ['second', 'sending', undefined],
    ]);

    jest.advanceTimersByTime(1_000);
    const again = socket.next();
    expect(again.payload).toMatchObject({ body: 'first', clientMsgId: 'c1' });
    again.answer(refused('unavailable'));
    await settled();
    jest.advanceTimersByTime(2_000);
    const third = socket.next();
    expect(third.payload.clientMsgId).toBe('c1');
    third.answer(stored(third.payload, 1));
    await settled();
    expect(socket.next().payload).toMatchObject({ body: 'second', clientMsgId: 'c2' });
  });

  it('holds the queue while a message refused as too frequent waits out the time asked: later ones wait behind it', async () => {
    queue.add(ROOM, 'one');
    socket.next().answer(tooFrequent(3));
    await settled();
    // Written at machine speed meanwhile: nothing goes, not even `one` again early.
    for (const body of ['two', 'three', 'four', 'five', 'six']) {
      queue.add(ROOM, body);
      await settled();
    }
    expect(socket.asked).toEqual([]);
    expect(pending[0]).toMatchObject({ body: 'one', state: 'sending', attempts: 1 });

    jest.advanceTimersByTime(2_999);
    expect(socket.asked).toEqual([]);
    jest.advanceTimersByTime(1);
    const again = socket.next();
    expect(again.payload).toMatchObject({ body: 'one', clientMsgId: 'c1' });
    again.answer(stored(again.payload, 1));
    await settled();
    for (const [n, body] of ['two', 'three', 'four', 'five', 'six'].entries()) {
      const next = socket.next();
      expect(next.payload.body).toBe(body);
      next.answer(stored(next.payload, n + 2));
      await settled();
    }
    expect(storedMessages.map((message) => message.body)).toEqual([
      'one',
      'two',
      'three',
      'four',
      'five',
      'six',
    ]);
  });

  it(`tries a message refused as too frequent again, however often, never failing it after ${MAX_ATTEMPTS} tries`, async () => {
    queue.add(ROOM, 'patient');
    queue.add(ROOM, 'behind');
    for (let attempt = 1; attempt <= MAX_ATTEMPTS + 2; attempt += 1) {
      const asked = socket.next();
      expect(asked.payload.body).toBe('patient');
      asked.answer(tooFrequent(1));
      await settled();
      expect(pending[0]?.state).toBe('sending');
      // A reconnection does not cut the server's wait short.
      queue.connected();
      queue.kick();
      expect(socket.asked).toEqual([]);
      jest.advanceTimersByTime(1_000);
    }
    const last = socket.next();
    expect(last.payload.body).toBe('patient');
    last.answer(stored(last.payload, 1));
    await settled();
    expect(socket.next().payload.body).toBe('behind');
  });

  it(`fails a message only after ${MAX_ATTEMPTS} failures other than "too frequent", however many of those came first`, async () => {
    queue.add(ROOM, 'patient');
    queue.add(ROOM, 'behind');
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt += 1) {
      socket.next().answer(tooFrequent(1));
      await settled();
      jest.advanceTimersByTime(1_000);
    }
    // One passing failure after them: a first failure of its kind, not the last straw.
    socket.next().timeOut();
    await settled();
    expect(pending[0]).toMatchObject({ body: 'patient', state: 'sending' });
    jest.runOnlyPendingTimers();
    expect(socket.next().payload.body).toBe('patient');
  });

  it('sends at once when connected again after a try lost with the connection, not after its back-off', async () => {
    queue.add(ROOM, 'lost on the way');
    socket.next().timeOut();
    await settled();
    queue.connected();
    queue.kick();
    expect(socket.next().payload).toMatchObject({ body: 'lost on the way', clientMsgId: 'c1' });
  });

  it('waits at least a second for a rate_limited refusal, and as long as it asks', () => {
    expect(rateLimitWaitMs(4)).toBe(4_000);
    expect(rateLimitWaitMs(0)).toBe(1_000);
    expect(rateLimitWaitMs(undefined)).toBeUndefined();
  });

  it('fails a message the server refuses for good at once, and goes on with the next', async () => {
    queue.add(ROOM, 'not mine to send');
    queue.add(ROOM, 'fine');
    socket.next().answer(refused('forbidden'));
    await settled();

    expect(pending[0]).toMatchObject({
      state: 'failed',
      failedBy: 'refused',
      error: 'no: forbidden',
      attempts: 1,
    });
    expect(socket.next().payload.body).toBe('fine');
  });

  it(`fails a message after ${MAX_ATTEMPTS} passing failures, and the retry button starts it again`, async () => {
    queue.add(ROOM, 'unlucky');
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      socket.next().answer(refused('unavailable'));
      await settled();
      jest.runOnlyPendingTimers();
    }
    expect(socket.asked).toEqual([]);
    expect(pending[0]).toMatchObject({ state: 'failed', failedBy: 'refused', attempts: 5 });

    queue.retry('c1');
    const retried = socket.next();
    expect(retried.payload.clientMsgId).toBe('c1');
    expect(pending[0]).toMatchObject({ state: 'sending', attempts: 1 });
  });

  it('shows what waited too long for a lost connection as not sent, and sends it once connected again', () => {
    socket.connected = false;
    queue.add(ROOM, 'written offline');
    queue.disconnected();
    expect(socket.asked).toEqual([]);

    jest.advanceTimersByTime(OFFLINE_FAIL_MS - 1_000);
    expect(pending[0]?.state).toBe('sending');
    jest.advanceTimersByTime(1_000);
    expect(pending[0]).toMatchObject({ state: 'failed', failedBy: 'offline' });

    socket.connected = true;
    queue.connected();
    expect(pending[0]).toMatchObject({ state: 'sending', attempts: 0 });
    expect(jest.getTimerCount()).toBe(0);
    queue.kick();
    const sent = socket.next();
    expect(sent.payload).toMatchObject({ body: 'written offline', clientMsgId: 'c1' });
  });

  it('keeps a stored message in view as sent until its room is loaded with it', () => {
    queue.add(ROOM, 'hello');
    queue.add('another room', 'elsewhere');
    const hello = socket.next();
    queue.settle(hello.payload.clientMsgId, false);
    expect(pending[0]).toMatchObject({ state: 'sent' });

    queue.placed(new Set(['some other', hello.payload.clientMsgId]));
    expect(pending.map((message) => message.body)).toEqual(['elsewhere']);
    queue.dropRoom('another room');
    expect(pending).toEqual([]);
  });

  it('leaves no timer behind once stopped, and sends nothing more', async () => {
    queue.add(ROOM, 'one');
    socket.next().answer(refused('unavailable'));
    await settled();
    socket.connected = false;
    queue.disconnected();
    expect(jest.getTimerCount()).toBe(2);

    queue.stop();
    expect(jest.getTimerCount()).toBe(0);
    socket.connected = true;
    queue.kick();
    queue.disconnected();
    expect(socket.asked).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('pending messages kept across a reload of the page', () => {
  const queued = (clientMsgId: string, patch: Partial<PendingMessage> = {}): PendingMessage => ({
    clientMsgId,
    roomId: ROOM,
    body: `body of ${clientMsgId}`,
    state: 'sending',
    attempts: 3,
    queuedAt: 1_000,
    error: 'no connection',
    ...patch,
  });

  it('reads back what the tab kept, for its user only', () => {
    const storage = new MemoryStorage();
    const kept = [
      queued('a', { replyToSeq: 4 }),
      queued('b', { state: 'failed', failedBy: 'offline' }),
    ];
    keptSendsIn(storage).keep('ann', kept);
    // The page reloaded: a new reader over the same storage.
    expect(keptSendsIn(storage).of('ann')).toEqual(kept);
    expect(keptSendsIn(storage).of('ben')).toBeUndefined();
  });

  it('reads a list it did not write, or one with a message of another shape, as nothing', () => {
    const storage = new MemoryStorage();
    const write = (messages: unknown) =>
      storage.items.set('scale-chat.pendingSends', JSON.stringify({ userId: 'ann', messages }));
    write([{ ...queued('a'), state: 'lost' }]);
    expect(keptSendsIn(storage).of('ann')).toBeUndefined();
    write([{ ...queued('a'), replyToSeq: -1 }]);
    expect(keptSendsIn(storage).of('ann')).toBeUndefined();
    write([{ ...queued('a'), body: 7 }]);
    expect(keptSendsIn(storage).of('ann')).toBeUndefined();
    write({ a: queued('a') });
    expect(keptSendsIn(storage).of('ann')).toBeUndefined();
    write([queued('a')]);
    expect(keptSendsIn(storage).of('ann')).toHaveLength(1);
  });

  it('sends again, from a first try, all but what the server refused or stored', () => {
    const refused = queued('refused', { state: 'failed', failedBy: 'refused', error: 'forbidden' });
    const resumed = resumedSends(
      [
        queued('in flight', { replyToSeq: 2 }),
        queued('offline', { state: 'failed', failedBy: 'offline' }),
        refused,
        queued('stored', { state: 'sent' }),
      ],
      5_000,
    );
    expect(resumed).toEqual([
      {
        clientMsgId: 'in flight',
        roomId: ROOM,
        body: 'body of in flight',
        replyToSeq: 2,
        state: 'sending',
        attempts: 0,
        queuedAt: 5_000,
      },
      {
        clientMsgId: 'offline',
        roomId: ROOM,
        body: 'body of offline',
        state: 'sending',
        attempts: 0,
        queuedAt: 5_000,
      },
      refused,
    ]);
  });
});
