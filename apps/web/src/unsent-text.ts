import { TabKept } from './tab-kept';
import type { KeyValueStore } from './token-storage';
import { hasFields, isCount } from './validate';

type Rooms<T> = Readonly<Record<string, T>>;

/**
 * A value per room kept for this tab (sessionStorage): switching rooms or reloading the
 * page does not lose it. Saved under the user's id, so another account signed in to the
 * tab never sees it; forgotten as soon as the session ends, however it ends (App.tsx).
 * Where storage refuses (full, or switched off), it is kept in memory only.
 */
export class KeptPerRoom<T> {
  private readonly kept: TabKept<Rooms<T>>;

  constructor(
    storage: KeyValueStore | undefined,
    key: string,
    isValue: (value: unknown) => value is T,
    what: string,
  ) {
    const isRooms = (value: unknown): value is Rooms<T> =>
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.values(value).every(isValue);
    this.kept = new TabKept(storage, key, 'rooms', isRooms, what);
  }

  of(userId: string, roomId: string): T | undefined {
    return this.kept.of(userId)?.[roomId];
  }

  /** Keeps `value` for the room; undefined forgets the room's. */
  keep(userId: string, roomId: string, value: T | undefined): void {
    const rooms = { ...this.kept.of(userId) };
    if (value === undefined) delete rooms[roomId];
    else rooms[roomId] = value;
    this.kept.keep(userId, rooms);
  }

  forget(): void {
    this.kept.forget();
  }
}

const isText = (value: unknown): value is string => typeof value === 'string';
const tabStorage = typeof sessionStorage === 'undefined' ? undefined : sessionStorage;

/** What this user typed in each room's message field and has not sent. */
export class UnsentText {
  private readonly rooms: KeptPerRoom<string>;

  constructor(storage: KeyValueStore | undefined) {
    this.rooms = new KeptPerRoom(storage, 'scale-chat.unsentText', isText, 'unsent text');
  }

  of(userId: string, roomId: string): string {
    return this.rooms.of(userId, roomId) ?? '';
  }

  keep(userId: string, roomId: string, text: string): void {
    this.rooms.keep(userId, roomId, text.trim() === '' ? undefined : text);
  }

  forget(): void {
    this.rooms.forget();
  }
}

/** The tab's unsent text (sessionStorage where the page has it). */
export const unsentText = new UnsentText(tabStorage);

/**
 * The `seq` of the message each room's unsent text replies to: a reload, or a visit to
 * another room, keeps the reply a reply.
 */
export const unsentReplies = new KeptPerRoom<number>(
  tabStorage,
  'scale-chat.unsentReplies',
  isCount,
  'unsent replies',
);

/** An edit begun and not saved: which message, and its text as the user left it. */
export interface UnsentEdit {
  readonly seq: number;
  readonly text: string;
}

const isUnsentEdit = (value: unknown): value is UnsentEdit =>
  hasFields(value, { seq: 'number', text: 'string' }) && isCount(value['seq']);

/**
 * The edit each room's message field holds, as the unsent text is kept: a visit to another
 * room, or a reload, comes back to the edit with what was typed, not to an empty field.
 */
export const unsentEdits = new KeptPerRoom<UnsentEdit>(
  tabStorage,
  'scale-chat.unsentEdits',
  isUnsentEdit,
  'unsaved edits',
);
