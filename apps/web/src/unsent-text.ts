import type { KeyValueStore } from './token-storage';

const KEY = 'scale-chat.unsentText';

interface Saved {
  readonly userId: string;
  readonly rooms: Record<string, string>;
}

/**
 * What this user typed in each room's message field and has not sent, kept for this tab
 * (sessionStorage): switching rooms or reloading the page does not lose it. Saved under
 * the user's id, so another account signed in to the tab never sees it; forgotten as
 * soon as the session ends, however it ends (App.tsx). Where storage refuses (full, or
 * switched off), it is kept in memory only.
 */
export class UnsentText {
  private memory: Saved | undefined;
  private storageWorks = true;

  constructor(private readonly storage: KeyValueStore | undefined) {}

  of(userId: string, roomId: string): string {
    return this.read(userId).rooms[roomId] ?? '';
  }

  keep(userId: string, roomId: string, text: string): void {
    const rooms = { ...this.read(userId).rooms };
    if (text.trim() === '') delete rooms[roomId];
    else rooms[roomId] = text;
    this.write({ userId, rooms });
  }

  forget(): void {
    this.memory = undefined;
    try {
      this.storage?.removeItem(KEY);
    } catch (error) {
      // What the storage would not drop it would not have kept since either (write).
      console.warn('unsent text could not be removed from storage:', error);
    }
  }

  private read(userId: string): Saved {
    const saved = this.memory ?? this.load();
    return saved?.userId === userId ? saved : { userId, rooms: {} };
  }

  private load(): Saved | undefined {
    const text = this.storageWorks ? this.storage?.getItem(KEY) : null;
    if (text === null || text === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined; // not this page's writing: as if nothing were kept
    }
    if (!isSaved(value)) return undefined;
    this.memory = value;
    return value;
  }

  private write(saved: Saved): void {
    this.memory = saved;
    if (!this.storageWorks || this.storage === undefined) return;
    try {
      this.storage.setItem(KEY, JSON.stringify(saved));
    } catch (error) {
      // Full, or refused: memory only from now on, for this page.
      this.storageWorks = false;
      console.warn('unsent text is kept in memory only:', error);
    }
  }
}

function isSaved(value: unknown): value is Saved {
  if (typeof value !== 'object' || value === null) return false;
  const { userId, rooms } = value as Record<string, unknown>;
  return (
    typeof userId === 'string' &&
    typeof rooms === 'object' &&
    rooms !== null &&
    Object.values(rooms).every((text) => typeof text === 'string')
  );
}

/** The tab's unsent text (sessionStorage where the page has it). */
export const unsentText = new UnsentText(
  typeof sessionStorage === 'undefined' ? undefined : sessionStorage,
);
