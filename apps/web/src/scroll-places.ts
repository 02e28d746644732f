/** The first message at least partly in view, and how far its top is below the list's. */
export interface ScrollAnchor {
  readonly seq: number;
  readonly offset: number;
}

/** Where a room's list was left: by its first message in view, and its newest then. */
export interface ScrollPlace {
  readonly anchor: ScrollAnchor;
  readonly lastSeq: number;
}

/**
 * Where each room's message list was scrolled to when this page left it (MessageList), for
 * one user: another account signed in to the tab never finds the places of the one before
 * (a list left as the session ends is measured after it ended), and the session's end
 * forgets them (App.tsx). For this page only: a reload opens every room at its end.
 */
export class ScrollPlaces {
  private userId: string | undefined;
  private readonly rooms = new Map<string, ScrollPlace>();

  of(userId: string, roomId: string): ScrollPlace | undefined {
    return userId === this.userId ? this.rooms.get(roomId) : undefined;
  }

  /** Keeps `place` for the room; undefined forgets the room's. */
  keep(userId: string, roomId: string, place: ScrollPlace | undefined): void {
    if (userId !== this.userId) this.forget();
    this.userId = userId;
    if (place === undefined) this.rooms.delete(roomId);
    else this.rooms.set(roomId, place);
  }

  forget(): void {
    this.userId = undefined;
    this.rooms.clear();
  }
}

/** The page's scroll places. */
export const scrollPlaces = new ScrollPlaces();
