import { hashOf, routeOf } from './settings';

/**
 * Rooms in the URL (`#/rooms/<id>`) and what the browser's Back does with them: from a
 * room it goes to the room list, never out of the app. A room is opened over the list
 * (a new history entry marked `overList`); switching rooms replaces that entry, so Back
 * does not walk through every room visited; going back to the list pops the entry.
 */
interface EntryState {
  readonly overList?: boolean;
}

const isOverList = () => (history.state as EntryState | null)?.overList === true;

/** Tells the app (App.tsx listens) that the hash changed: pushState fires no event. */
const announce = () => window.dispatchEvent(new HashChangeEvent('hashchange'));

export function openRoomPage(roomId: string): void {
  const current = routeOf(location.hash);
  if (current.page === 'chat' && current.roomId === roomId) return;
  if (current.page === 'chat' && current.roomId !== null && isOverList())
    history.replaceState({ overList: true } satisfies EntryState, '', hashOf(roomId));
  else history.pushState({ overList: true } satisfies EntryState, '', hashOf(roomId));
  announce();
}

/**
 * Logged out here, or the account deleted: the URL names no room, so whoever signs in to
 * this tab next starts at the room list. (A session that ends otherwise, expired say, keeps
 * its room: signed in again, the same person is back where they were.)
 */
export function leaveChat(): void {
  const route = routeOf(location.hash);
  if (route.page !== 'chat' || route.roomId === null) return;
  history.replaceState(null, '', hashOf(null));
  announce();
}

export function backToRoomList(): void {
  if (isOverList()) {
    history.back();
    return;
  }
  history.replaceState(null, '', hashOf(null));
  announce();
}

/**
 * A page loaded at a room's URL (a link, a restart) gets the list under it, so Back on a
 * phone goes to the rooms. A reload keeps the entry's state, so this happens only once.
 */
export function putListUnderRoom(): void {
  const route = routeOf(location.hash);
  if (route.page !== 'chat' || route.roomId === null || isOverList()) return;
  history.replaceState(null, '', hashOf(null));
  history.pushState({ overList: true } satisfies EntryState, '', hashOf(route.roomId));
}
