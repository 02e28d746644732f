import type { KeyValueStore } from './token-storage';

/**
 * One value kept for a user in this tab (sessionStorage): a reload of the page finds it,
 * another account signed in to the tab never does, and it goes with the tab. Stored as
 * `{ userId, [field]: value }`; what is stored there in any other shape reads as nothing.
 * Where storage refuses (full, or switched off) the value is kept in memory, for this
 * page only.
 */
export class TabKept<T> {
  private memory: { readonly userId: string; readonly value: T } | undefined;
  private storageWorks = true;

  constructor(
    private readonly storage: KeyValueStore | undefined,
    private readonly key: string,
    private readonly field: string,
    private readonly isValue: (value: unknown) => value is T,
    /** What is kept, for the console: "unsent text". */
    private readonly what: string,
  ) {}

  /** `userId`'s value, if this tab keeps one. */
  of(userId: string): T | undefined {
    const kept = this.memory ?? this.load();
    return kept?.userId === userId ? kept.value : undefined;
  }

  keep(userId: string, value: T): void {
    this.memory = { userId, value };
    if (!this.storageWorks || this.storage === undefined) return;
    try {
      this.storage.setItem(this.key, JSON.stringify({ userId, [this.field]: value }));
    } catch (error) {
      // Full, or refused: memory only from now on, for this page.
      this.storageWorks = false;
      console.warn(`${this.what} is kept in memory only:`, error);
    }
  }

  forget(): void {
    this.memory = undefined;
    try {
      this.storage?.removeItem(this.key);
    } catch (error) {
      // What the storage would not drop it would not have kept since either (keep).
      console.warn(`${this.what} could not be removed from storage:`, error);
    }
  }

  private load(): { userId: string; value: T } | undefined {
    const text = this.storageWorks ? this.storage?.getItem(this.key) : null;
    if (text === null || text === undefined) return undefined;
    let stored: unknown;
    try {
      stored = JSON.parse(text);
    } catch {
      stored = undefined; // not this page's writing: as if nothing were kept
    }
    if (typeof stored !== 'object' || stored === null) return undefined;
    const { userId, [this.field]: value } = stored as Record<string, unknown>;
    if (typeof userId !== 'string' || !this.isValue(value)) return undefined;
    this.memory = { userId, value };
    return this.memory;
  }
}
