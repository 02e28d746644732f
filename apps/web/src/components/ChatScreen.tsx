import { useEffect, useRef, useState } from 'react';
import type { ApiClient } from '../api';
import { titleOfRoom, type ChatState } from '../chat-state';
import { ChatStore } from '../chat-store';
import { keptSends } from '../send-queue';
import { focusLost, isTouchScreen } from '../focus';
import { backToRoomList, leaveChat, openRoomPage } from '../navigation';
import { socketUrl } from '../settings';
import { useChat } from '../use-chat';
import type { User } from '../validate';
import { AccountDialog } from './AccountDialog';
import { Avatar, displayNameOf } from './Avatar';
import { CreateRoomDialog } from './CreateRoomDialog';
import { DirectMessageDialog } from './DirectMessageDialog';
import { MessageSearch } from './MessageSearch';
import { Icon } from './Icon';
import { RoomList } from './RoomList';
import { RoomPane, roomTitleId } from './RoomPane';
import { useIsAdmin } from './use-is-admin';
import { NotificationsButton } from './NotificationsButton';
import { useNotifications } from './use-notifications';

/** `roomId`: the room the URL names (`#/rooms/<id>`); the store follows it. */
export function ChatScreen({
  api,
  user,
  roomId,
}: {
  api: ApiClient;
  user: User;
  roomId: string | null;
}) {
  const [store] = useState(() => new ChatStore(api, user, socketUrl(), keptSends));
  const state = useChat(store);
  const [creating, setCreating] = useState(false);
  const [messaging, setMessaging] = useState(false);
  const [searching, setSearching] = useState(false);
  const [account, setAccount] = useState(false);
  const isAdmin = useIsAdmin(api);
  const notifications = useNotifications(store, user.id);

  useEffect(() => {
    store.start();
    const onVisible = () => store.pageVisible();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      store.stop();
    };
  }, [store]);

  useEffect(() => {
    void store.open(roomId);
  }, [store, roomId]);

  // The open room went away under the user (left, or removed by its owner): back to the list.
  const wasOpen = useRef<string | null>(null);
  useEffect(() => {
    if (wasOpen.current !== null && state.openRoomId === null && roomId === wasOpen.current)
      backToRoomList();
    wasOpen.current = state.openRoomId;
  }, [state.openRoomId, roomId]);

  // The keyboard's place when the pane it was in goes: after logging in (the form is gone)
  // and on a page load, and on a narrow screen, where the list and the room replace each
  // other. A room gets it at its message box (its title on a touch screen, where a text
  // field would raise the keyboard); the list at the room just left, else the first room,
  // else "+ New room". Never taken from where the user put it.
  const newRoom = useRef<HTMLButtonElement>(null);
  const placed = useRef<{ roomId: string | null } | null>(null);
  useEffect(() => {
    if (!state.roomsLoaded) return;
    const before = placed.current;
    const roomId = state.openRoomId;
    placed.current = { roomId };
    if ((before !== null && before.roomId === roomId) || !focusLost()) return;
    const target =
      roomId !== null
        ? // A room with no message box (not the user's, or the other person gone): its title.
          ((isTouchScreen() ? null : document.getElementById(`composer-${roomId}`)) ??
          document.getElementById(roomTitleId(roomId)))
        : ((before === null || before.roomId === null
            ? null
            : document.querySelector<HTMLElement>(`[data-room-id="${before.roomId}"]`)) ??
          document.querySelector<HTMLElement>('[data-testid="room-list"] button') ??
          newRoom.current);
    target?.focus();
  }, [state.roomsLoaded, state.openRoomId]);

  const open = state.openRoomId;
  return (
    <div className={open === null ? 'layout' : 'layout room-open'}>
      <ConnectionBanner state={state} />
      <aside className="sidebar" aria-label="Rooms">
        <header className="sidebar-head">
          <Avatar
            name={displayNameOf(user)}
            userId={user.id}
            online={state.connection === 'connected'}
          />
          <div className="profile">
            <strong>
              <bdi>{displayNameOf(user)}</bdi>
            </strong>
            <span className="muted">@{user.username}</span>
          </div>
          <nav className="head-actions" aria-label="Account">
            {isAdmin && (
              <a href="#/admin" className="icon-button" title="Admin statistics">
                <Icon name="chart" />
                <span className="sr-only">Admin statistics</span>
              </a>
            )}
            <NotificationsButton {...notifications} />
            <button
              type="button"
              className="icon-button"
              title="Your account"
              onClick={() => setAccount(true)}
            >
              <Icon name="user" />
              <span className="sr-only">Your account</span>
            </button>
            <button
              type="button"
              className="icon-button"
              title="Log out"
              onClick={() => {
                leaveChat();
                void api.logout();
              }}
            >
              <Icon name="logout" />
              <span className="sr-only">Log out</span>
            </button>
          </nav>
        </header>
        <button
          ref={newRoom}
          type="button"
          className="primary new-room"
          onClick={() => setCreating(true)}
        >
          + New room
        </button>
        <button type="button" className="secondary new-room" onClick={() => setMessaging(true)}>
          + Message someone
        </button>
        <button type="button" className="secondary new-room" onClick={() => setSearching(true)}>
          Search messages
        </button>
        <RoomList
          rooms={state.rooms}
          loaded={state.roomsLoaded}
          openRoomId={open}
          onOpen={openRoomPage}
          titleOf={(id) => titleOfRoom(state, id, user.id)}
        />
      </aside>
      <main className="main">
        {open === null ? (
          <div className="empty">
            <p>Pick a room, or start a new one.</p>
          </div>
        ) : (
          <RoomPane key={open} store={store} state={state} roomId={open} me={user} />
        )}
      </main>
      {/* A row of its own under the panes (styles.css): it never covers the message box. */}
      {state.error !== null && (
        <div className="toast" role="alert">
          <span>{state.error}</span>
          <button type="button" className="link" onClick={() => store.dismissError()}>
            Dismiss
          </button>
        </div>
      )}
      {searching && (
        <MessageSearch
          store={store}
          state={state}
          meId={user.id}
          onClose={() => setSearching(false)}
          onPick={(message) => {
            setSearching(false);
            openRoomPage(message.roomId);
            void store.jumpTo(message.roomId, message.seq);
          }}
        />
      )}
      {account && <AccountDialog api={api} user={user} onClose={() => setAccount(false)} />}
      {messaging && (
        <DirectMessageDialog
          store={store}
          onClose={() => setMessaging(false)}
          onOpened={(roomId) => {
            setMessaging(false);
            openRoomPage(roomId);
          }}
        />
      )}
      {creating && (
        <CreateRoomDialog
          store={store}
          onClose={() => setCreating(false)}
          onCreated={(created) => {
            setCreating(false);
            openRoomPage(created);
          }}
        />
      )}
    </div>
  );
}

/** Offline (the browser says so) or the socket reconnecting, in words. */
function ConnectionBanner({ state }: { state: ChatState }) {
  if (state.connection === 'connected' && state.online) return null;
  return (
    <div className="banner" role="status" data-testid="connection-banner">
      <span className="spinner" aria-hidden="true" />
      {!state.online
        ? "You're offline. Messages you send will go out when you're back online."
        : state.connection === 'connecting'
          ? 'Connecting…'
          : 'Reconnecting…'}
    </div>
  );
}
