import type { KeyValueStore } from './token-storage';

/** For unit specs: a Storage of the browser's shape, in memory; `refusing` makes writes throw as a full one does. */
export class MemoryStorage implements KeyValueStore {
  readonly items = new Map<string, string>();
  refusing = false;

  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    if (this.refusing) throw new Error('QuotaExceededError');
    this.items.set(key, value);
  }

  removeItem(key: string): void {
    this.items.delete(key);
  }
}
