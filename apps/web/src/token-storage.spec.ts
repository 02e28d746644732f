import { MemoryStorage } from './memory-storage.fixture';
import { REFRESH_KEY, RefreshTokenStore } from './token-storage';

/** BroadcastChannel's behaviour between tabs: a message reaches every end but its sender's. */
class MemoryChannel {
  private readonly listeners: { from: object; listener: (event: { data: unknown }) => void }[] = [];

  end() {
    const from = {};
    return {
      postMessage: (message: unknown) => {
        for (const end of this.listeners)
          if (end.from !== from) end.listener({ data: structuredClone(message) });
      },
      addEventListener: (_type: 'message', listener: (event: { data: unknown }) => void) => {
        this.listeners.push({ from, listener });
      },
    };
  }
}

describe('RefreshTokenStore', () => {
  let local: MemoryStorage;
  let session: MemoryStorage;
  let tokens: RefreshTokenStore;
  beforeEach(() => {
    local = new MemoryStorage();
    session = new MemoryStorage();
    tokens = new RefreshTokenStore(local, session);
  });

  it('keeps a login that stays signed in where a new tab and a restart find it', () => {
    tokens.save('r1', true);
    expect(local.getItem(REFRESH_KEY)).toBe('r1');
    expect(session.getItem(REFRESH_KEY)).toBeNull();
    // A new tab: a store over the same localStorage and an empty sessionStorage.
    const newTab = new RefreshTokenStore(local, new MemoryStorage());
    expect(newTab.read()).toBe('r1');
    expect(newTab.isPersistent()).toBe(true);
  });

  it('keeps a login that does not stay signed in to this tab only', () => {
    tokens.save('r1', false);
    expect(session.getItem(REFRESH_KEY)).toBe('r1');
    expect(local.getItem(REFRESH_KEY)).toBeNull();
    expect(new RefreshTokenStore(local, new MemoryStorage()).read()).toBeNull();
    expect(tokens.isPersistent()).toBe(false);
  });

  it('reads the token another tab rotated', () => {
    tokens.save('r1', true);
    new RefreshTokenStore(local, new MemoryStorage()).save('r2', true);
    expect(tokens.read()).toBe('r2');
  });

  it("takes this tab's own token over when it comes to stay signed in, and forgets its own login on clear", () => {
    tokens.save('r1', false);
    tokens.save('r2', true);
    expect(session.getItem(REFRESH_KEY)).toBeNull();
    expect(tokens.read()).toBe('r2');
    tokens.clear(true);
    expect(tokens.read()).toBeNull();
  });

  it("leaves another tab's login that stays signed in alone, renewing or ending a per-tab one", () => {
    // Bob stays signed in in another tab; Ann is signed in in this one only.
    local.setItem(REFRESH_KEY, 'bob-1');
    tokens.save('ann-1', false);
    tokens.save('ann-2', false);
    expect(local.getItem(REFRESH_KEY)).toBe('bob-1');
    tokens.clear(false);
    expect(local.getItem(REFRESH_KEY)).toBe('bob-1');
    expect(session.getItem(REFRESH_KEY)).toBeNull();
  });

  it('hands a rotated per-tab token to a duplicate of the tab, and to no other', () => {
    const channel = new MemoryChannel();
    const original = new MemoryStorage();
    const unrelated = new MemoryStorage();
    original.setItem(REFRESH_KEY, 'r1');
    unrelated.setItem(REFRESH_KEY, 'other-1');
    const originalTab = new RefreshTokenStore(local, original, channel.end());
    new RefreshTokenStore(local, unrelated, channel.end());
    // Duplicated: the new tab starts with a copy of the original's sessionStorage.
    const duplicate = new MemoryStorage();
    duplicate.setItem(REFRESH_KEY, 'r1');
    const duplicateTab = new RefreshTokenStore(local, duplicate, channel.end());

    duplicateTab.save('r2', false);
    // The original presents r2 at its next renewal, not the rotated r1 (which the API
    // would take for theft, ending the login everywhere).
    expect(originalTab.read()).toBe('r2');
    expect(unrelated.getItem(REFRESH_KEY)).toBe('other-1');
    expect(local.getItem(REFRESH_KEY)).toBeNull();
  });
});
