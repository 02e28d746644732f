import { TabKept } from './tab-kept';
import type { KeyValueStore } from './token-storage';

type Rooms = Readonly<Record<string, string>>;

/**
 * What this user typed in each room's message field and has not sent, kept for this tab
 * (sessionStorage): switching rooms or reloading the page does not lose it. Saved under
 * the user's id, so another account signed in to the tab never sees it; forgotten as
 * soon as the session ends, however it ends (App.tsx). Where storage refuses (full, or
 * switched off), it is kept in memory only.
 */
export class UnsentText {
  private readonly kept: TabKept<Rooms>;

  constructor(storage: KeyValueStore | undefined) {
    this.kept = new TabKept(storage, 'scale-chat.unsentText', 'rooms', isRooms, 'unsent text');
  }

  of(userId: string, roomId: string): string {
    return this.kept.of(userId)?.[roomId] ?? '';
  }

  keep(userId: string, roomId: string, text: string): void {
    const rooms = { ...this.kept.of(userId) };
    if (text.trim() === '') delete rooms[roomId];
    else rooms[roomId] = text;
    this.kept.keep(userId, rooms);
  }

  forget(): void {
    this.kept.forget();
  }
}

function isRooms(value: unknown): value is Rooms {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((text) => typeof text === 'string')
  );
}

/** The tab's unsent text (sessionStorage where the page has it). */
export const unsentText = new UnsentText(
  typeof sessionStorage === 'undefined' ? undefined : sessionStorage,
);
