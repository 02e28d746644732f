import { newClusterId, THROWAWAY_TOPIC } from './kafka';

describe('newClusterId', () => {
  it('makes 22-character base64url ids, never one the storage tool would take for an option', () => {
    const ids = Array.from({ length: 5_000 }, () => newClusterId());
    expect(ids.every((id) => /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('THROWAWAY_TOPIC', () => {
  it("takes the topics of test and benchmark runs and leaves the stack's own", () => {
    const throwaway = [
      'test-c1a2b3c4d.chat.room-events',
      'test-w0bafb237.socketio',
      'test-logs-5f49933b.auth.users',
      'test.socketio-28ab9187',
      'test.records-6a1f',
      'bench.socketio-05644311',
    ];
    const kept = [
      'chat.room-events',
      'auth.users',
      'auth.logins',
      'saga.requests',
      'socketio.events',
      '__consumer_offsets',
      'testing.events',
      'benchmarks',
    ];
    expect(throwaway.filter((name) => !THROWAWAY_TOPIC.test(name))).toEqual([]);
    expect(kept.filter((name) => THROWAWAY_TOPIC.test(name))).toEqual([]);
  });
});
