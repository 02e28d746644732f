import { newClusterId } from './kafka';

describe('newClusterId', () => {
  it('makes 22-character base64url ids, never one the storage tool would take for an option', () => {
    const ids = Array.from({ length: 5_000 }, () => newClusterId());
    expect(ids.every((id) => /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
