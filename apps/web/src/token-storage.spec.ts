import { REFRESH_KEY, RefreshTokenStore, type KeyValueStore } from './token-storage';

/** A Storage of the browser's shape, in memory. */
class MemoryStore implements KeyValueStore {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

describe('RefreshTokenStore', () => {
  let local: MemoryStore;
  let session: MemoryStore;
  let tokens: RefreshTokenStore;
  beforeEach(() => {
    local = new MemoryStore();
    session = new MemoryStore();
    tokens = new RefreshTokenStore(local, session);
  });

  it('keeps a login that stays signed in where a new tab and a restart find it', () => {
    tokens.save('r1', true);
    expect(local.getItem(REFRESH_KEY)).toBe('r1');
    expect(session.getItem(REFRESH_KEY)).toBeNull();
    // A new tab: a store over the same localStorage and an empty sessionStorage.
    const newTab = new RefreshTokenStore(local, new MemoryStore());
    expect(newTab.read()).toBe('r1');
    expect(newTab.isPersistent()).toBe(true);
  });

  it('keeps a login that does not stay signed in to this tab only', () => {
    tokens.save('r1', false);
    expect(session.getItem(REFRESH_KEY)).toBe('r1');
    expect(local.getItem(REFRESH_KEY)).toBeNull();
    expect(new RefreshTokenStore(local, new MemoryStore()).read()).toBeNull();
    expect(tokens.isPersistent()).toBe(false);
  });

  it('reads the token another tab rotated', () => {
    tokens.save('r1', true);
    new RefreshTokenStore(local, new MemoryStore()).save('r2', true);
    expect(tokens.read()).toBe('r2');
  });

  it('moves the token when the choice changes, and forgets it everywhere on clear', () => {
    tokens.save('r1', true);
    tokens.save('r2', false);
    expect(local.getItem(REFRESH_KEY)).toBeNull();
    expect(tokens.read()).toBe('r2');
    tokens.clear();
    expect(tokens.read()).toBeNull();
  });
});
