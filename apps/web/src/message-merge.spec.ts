import { mergeMessages } from './message-merge';
import { messageView } from './message-view.fixture';

const message = (seq: number, version: number, body = `m${seq}`) =>
  messageView(seq, version, { body });

describe('mergeMessages', () => {
  it('adds new messages in seq order', () => {
    const merged = mergeMessages([message(1, 1), message(3, 3)], [message(2, 2), message(4, 4)]);
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('keeps the latest state of a message: a newer version replaces, an older one does not', () => {
    const edited = message(1, 5, 'edited');
    expect(mergeMessages([message(1, 1)], [edited])[0]?.body).toBe('edited');
    expect(mergeMessages([edited], [message(1, 1)])[0]?.body).toBe('edited');
  });

  it('leaves out changes to messages older than the loaded window', () => {
    const merged = mergeMessages([message(10, 10)], [message(3, 12), message(11, 13)], 10);
    expect(merged.map((m) => m.seq)).toEqual([10, 11]);
  });
});
