import { useCallback, useEffect, useState } from 'react';
import { nameOfUser, type ChatState } from '../chat-state';
import type { ChatStore } from '../chat-store';
import { openRoomPage } from '../navigation';
import { alertFor, APP_TITLE, arrivals, titleFor, unreadTotal } from '../notifications';
import type { RoomSummaryView } from '@scale-chat/contracts';

const MUTED_KEY = 'scale-chat.notifications.muted';
/** Set once the browser's question was put: it is put once, never again by itself. */
const ASKED_KEY = 'scale-chat.notifications.asked';

/**
 * unsupported: no Notification API; blocked: the user said no in the browser; ask: not
 * asked yet; on / off: allowed, and the user's own switch in the app.
 */
export type NotificationMode = 'unsupported' | 'blocked' | 'ask' | 'on' | 'off';

function modeNow(): NotificationMode {
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  if (Notification.permission === 'default') return 'ask';
  return localStorage.getItem(MUTED_KEY) === 'true' ? 'off' : 'on';
}

/**
 * The unread total in the tab title, and a system notification for each message that
 * arrives in a room the user is not looking at (another room, or any while the tab is
 * hidden). The browser's permission is asked for at the user's first send (they are
 * chatting, so the question makes sense then) or from the bell in the header; never on
 * page load.
 */
export function useNotifications(store: ChatStore, meId: string) {
  const [mode, setMode] = useState(modeNow);

  const ask = useCallback(() => {
    localStorage.setItem(ASKED_KEY, 'true');
    void Notification.requestPermission().then(() => setMode(modeNow()));
  }, []);

  const toggle = useCallback(() => {
    const current = modeNow();
    if (current === 'ask') ask();
    if (current === 'on') localStorage.setItem(MUTED_KEY, 'true');
    if (current === 'off') localStorage.removeItem(MUTED_KEY);
    setMode(modeNow());
  }, [ask]);

  useEffect(() => {
    let before = store.snapshot();
    const showTotal = (state: ChatState) => {
      document.title = titleFor(unreadTotal(state.rooms));
    };
    showTotal(before);
    const unsubscribe = store.subscribe(() => {
      const after = store.snapshot();
      showTotal(after);
      // A send puts a pending message first, synchronously within the click or the Enter
      // key: the browser sees the question as the user's doing.
      if (
        after.pending.length > before.pending.length &&
        modeNow() === 'ask' &&
        localStorage.getItem(ASKED_KEY) === null
      )
        ask();
      if (after.rooms !== before.rooms && modeNow() === 'on') {
        const lookingAt = document.visibilityState === 'visible' ? after.openRoomId : null;
        for (const room of arrivals(before.rooms, after.rooms, meId, lookingAt))
          notify(room, after);
      }
      before = after;
    });
    return () => {
      unsubscribe();
      document.title = APP_TITLE;
    };
  }, [store, meId, ask]);

  return { mode, toggle };
}

function notify(room: RoomSummaryView, state: ChatState): void {
  const senderId = room.lastMessage?.senderId ?? '';
  const alert = alertFor(room, nameOfUser(state, senderId));
  let notification: Notification;
  try {
    notification = new Notification(alert.title, { body: alert.body, tag: alert.tag });
  } catch (error) {
    // Chrome on Android shows notifications only from a service worker and throws here;
    // the unread counts and the title still tell.
    console.warn('notification not shown', error);
    return;
  }
  notification.onclick = () => {
    window.focus();
    openRoomPage(room.id);
    notification.close();
  };
}
