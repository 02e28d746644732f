import type { MessageView } from '@scale-chat/contracts';
import {
  type FocusEvent,
  type KeyboardEvent,
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { OFFLINE_TEXT } from '../api-error';
import { nameOfUser, personOf, type LoadFailure } from '../chat-state';
import type { ChatStore } from '../chat-store';
import type { PendingMessage } from '../send-queue';
import { MESSAGE, messageAfterKey, settleTabStops } from '../focus';
import { readersBySeq } from '../message-list';
import { backToRoomList } from '../navigation';
import { scrollPlaces, type ScrollAnchor } from '../scroll-places';
import { dayLabel, startsDay } from '../text/dates';
import { MessageBody } from './MessageBody';
import { MessageItem, ReplyQuote, type Quoted } from './MessageItem';
import type { RoomProps } from './RoomPane';

/** Closer than this to the bottom counts as reading the latest (px). */
const AT_BOTTOM = 80;

/** The first message of `list` at least partly in view (a binary search: they are in order). */
function firstInView(list: HTMLElement): ScrollAnchor | undefined {
  const shown = list.querySelectorAll<HTMLElement>(':scope > [data-seq]');
  let low = 0;
  let high = shown.length - 1;
  let found: HTMLElement | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const item = shown[middle];
    if (item === undefined) break;
    if (item.offsetTop + item.offsetHeight > list.scrollTop) {
      found = item;
      high = middle - 1;
    } else low = middle + 1;
  }
  return found === undefined
    ? undefined
    : { seq: Number(found.dataset['seq']), offset: found.offsetTop - list.scrollTop };
}

export function MessageList({
  store,
  state,
  roomId,
  me,
  onReply,
  onEdit,
}: RoomProps & {
  onReply: (message: MessageView) => void;
  onEdit: (message: MessageView) => void;
}) {
  const list = useRef<HTMLOListElement>(null);
  const hintId = useId();
  const messages = state.messages.get(roomId);
  const items = messages?.items ?? [];
  const pending = state.pending.filter((message) => message.roomId === roomId);
  const failure = state.loadFailures.get(roomId);
  const reads = state.reads.get(roomId);
  const scrollMemo = useRef<{
    height: number;
    top: number;
    firstSeq: number | undefined;
    /** The divider of unread messages was scrolled to (once, when it appeared). */
    shownUnread: boolean;
    pending: number;
    /** The newest message shown. */
    lastSeq: number | undefined;
  }>({
    height: 0,
    top: 0,
    firstSeq: undefined,
    shownUnread: false,
    pending: 0,
    lastSeq: undefined,
  });
  // Opened at the "new messages" divider, it is not at the end until it is scrolled there.
  const [atBottom, setAtBottom] = useState(() => !state.firstUnread.has(roomId));
  /** The last seq the reader saw at the bottom: what came after it is new to them. */
  const [seenSeq, setSeenSeq] = useState<number | undefined>(undefined);
  const lastSeq = items.at(-1)?.seq;
  // What arrived while scrolled up gets a divider, kept while the room is open.
  const [awayDivider, setAwayDivider] = useState<number | undefined>(undefined);
  const newer = items.filter(
    (message) => seenSeq !== undefined && message.seq > seenSeq && message.senderId !== me.id,
  );
  // Hidden (another tab in front), the end of the list is not seen either.
  const pageVisible = usePageVisible();
  const seeingEnd = atBottom && pageVisible;
  if (!seeingEnd && awayDivider === undefined && newer[0] !== undefined)
    setAwayDivider(newer[0].seq);
  if (seeingEnd && lastSeq !== seenSeq) setSeenSeq(lastSeq);
  const firstUnread = state.firstUnread.get(roomId);
  const divider = firstUnread ?? awayDivider;

  // Keeps the view where it was when older messages come in above; follows new ones at the
  // bottom when the reader was at the bottom; opens at the "new messages" divider.
  useLayoutEffect(() => {
    const element = list.current;
    if (element === null) return;
    const memo = scrollMemo.current;
    const firstSeq = items[0]?.seq;
    const marker = element.querySelector<HTMLElement>('[data-testid="new-divider"]');
    // The first layout with messages, in a room scrolled up when it was left: there again,
    // if nothing came since (else as on any opening: the new messages, or the end). Where
    // it was left is kept by the message at its top (heights above it may change meanwhile:
    // the "new messages" divider goes), for this user only (scroll-places.ts).
    const left = memo.lastSeq === undefined ? scrollPlaces.of(me.id, roomId) : undefined;
    if (left !== undefined && items.length > 0) scrollPlaces.keep(me.id, roomId, undefined);
    const anchor =
      left !== undefined && left.lastSeq === items.at(-1)?.seq && firstUnread === undefined
        ? element.querySelector<HTMLElement>(`:scope > [data-seq="${left.anchor.seq}"]`)
        : null;
    if (anchor !== null && left !== undefined) {
      element.scrollTop = anchor.offsetTop - left.anchor.offset;
    } else if (memo.firstSeq !== undefined && firstSeq !== undefined && firstSeq < memo.firstSeq) {
      element.scrollTop = element.scrollHeight - memo.height + memo.top;
    } else if (firstUnread !== undefined && marker !== null && !memo.shownUnread) {
      memo.shownUnread = true;
      element.scrollTop = Math.min(element.scrollHeight, marker.offsetTop - 16);
    } else if (
      memo.height - memo.top - element.clientHeight < AT_BOTTOM ||
      memo.height === 0 ||
      // The reader just sent one: to the bottom, where it shows.
      pending.length > memo.pending
    ) {
      element.scrollTop = element.scrollHeight;
    }
    memo.pending = pending.length;
    memo.firstSeq = firstSeq;
    memo.height = element.scrollHeight;
    memo.top = element.scrollTop;
    memo.lastSeq = items.at(-1)?.seq;
    tellWhetherAtEnd(element);
  }, [items, pending.length, firstUnread, store, roomId, me.id]);

  // Leaving the room (another one opened): remembered if scrolled up, forgotten at the end.
  // Measured from the list as it is then, while it is still in the page (a layout effect's
  // cleanup runs before React takes it out): the list may have moved since its last scroll
  // event (the "new messages" divider goes once they are read, and no scroll event says so).
  useLayoutEffect(() => {
    const element = list.current;
    return () => {
      const { lastSeq } = scrollMemo.current;
      // Not in the page any more (it should be): nothing to measure, nothing kept.
      const atEnd =
        element?.isConnected !== true ||
        element.scrollHeight - element.clientHeight - element.scrollTop < AT_BOTTOM;
      const anchor = atEnd ? undefined : firstInView(element);
      scrollPlaces.keep(
        me.id,
        roomId,
        anchor === undefined || lastSeq === undefined ? undefined : { anchor, lastSeq },
      );
    };
  }, [roomId, me.id]);

  /**
   * Whether the newest message is in view, measured from the list as it is now: the store
   * reads the room then, and not while it is scrolled up (what comes meanwhile stays
   * unread). Told here, where the list is measured, and only once messages are shown: an
   * effect on `atBottom` would run with the value of the render before the measure.
   */
  const toldAtEnd = useRef<boolean | undefined>(undefined);
  const tellWhetherAtEnd = (element: HTMLElement) => {
    const bottom = element.scrollHeight - element.scrollTop - element.clientHeight < AT_BOTTOM;
    setAtBottom(bottom);
    if (messages === undefined || toldAtEnd.current === bottom) return;
    toldAtEnd.current = bottom;
    store.viewAtEnd(bottom);
  };

  const onScroll = () => {
    const element = list.current;
    if (element === null) return;
    scrollMemo.current.top = element.scrollTop;
    scrollMemo.current.height = element.scrollHeight;
    tellWhetherAtEnd(element);
    if (element.scrollTop < 120 && messages?.hasOlder === true) void store.loadOlder(roomId);
  };

  const jumpToLatest = () => {
    const element = list.current;
    if (element !== null) element.scrollTop = element.scrollHeight;
  };

  // Read receipts: under each of my messages, who has read up to it (and not further).
  const readers = readersBySeq(items, reads ?? [], me.id);
  // What every message is given stays the same object from render to render unless it
  // changed, so a message that did not change is not rendered again (`MessageItem`).
  const users = state.users;
  const deletedUsers = state.deletedUsers;
  const roomDetails = state.details;
  const nameOf = useCallback(
    (userId: string) => nameOfUser({ users, deletedUsers, details: roomDetails }, userId),
    [users, deletedUsers, roomDetails],
  );
  const details = state.details.get(roomId);
  const owner = details?.ownerId === me.id && details.kind === 'group';
  const memberNames = (details?.members ?? [])
    .flatMap((member) => users.get(member.userId)?.username.toLowerCase() ?? [])
    .join('\n');
  const mentions = useMemo(
    () => ({
      usernames: new Set(memberNames === '' ? [] : memberNames.split('\n')),
      myUsername: me.username,
    }),
    [memberNames, me.username],
  );
  const jumpTo = useCallback((seq: number) => void store.jumpTo(roomId, seq), [store, roomId]);
  const bySeq = new Map(items.map((message) => [message.seq, message]));
  const quotedOf = (seq: number | null) => {
    const quoted = seq === null ? undefined : bySeq.get(seq);
    return quoted === undefined
      ? undefined
      : { message: quoted, senderName: nameOf(quoted.senderId) };
  };

  // Screen readers hear each new message from someone else as it comes, not the history
  // loaded above it (which a live region around the whole list would read out).
  // The text is the message's as it is now: a deleted one's leaves the page with it.
  const heardUpTo = useRef<number | undefined>(undefined);
  const [announced, setAnnounced] = useState<number | undefined>(undefined);
  const newest = items.at(-1);
  useEffect(() => {
    if (newest === undefined) return;
    const before = heardUpTo.current;
    heardUpTo.current = Math.max(before ?? 0, newest.seq);
    if (before !== undefined && newest.seq > before && newest.senderId !== me.id)
      setAnnounced(newest.seq);
  }, [newest, me.id]);
  const announcedMessage = announced === undefined ? undefined : bySeq.get(announced);
  const announcement =
    announcedMessage === undefined || announcedMessage.deletedAt !== null
      ? ''
      : `${nameOf(announcedMessage.senderId)}: ${announcedMessage.body}`;

  /** The message the list's one tab stop is on (focus.ts): the last focused, else the newest. */
  const chosenMessage = useRef<Element | null>(null);

  // A jump to a message (a reply's quote, a search result): scrolled to once it is loaded.
  const [highlight, setHighlight] = useState<number | undefined>(undefined);
  const focus = state.focus;
  useLayoutEffect(() => {
    if (focus === null || focus.roomId !== roomId) return;
    const target = list.current?.querySelector<HTMLElement>(`[data-seq="${focus.seq}"]`);
    if (target === null || target === undefined) return;
    target.scrollIntoView({ block: 'center' });
    // The list's tab stop too: tabbing into the list lands on the message jumped to, and
    // the keyboard is on it now (a search result chosen with Enter: found by a trial).
    chosenMessage.current = target;
    if (list.current !== null) settleTabStops(list.current, target);
    target.focus({ preventScroll: true });
    setHighlight(focus.seq);
    store.focused();
  }, [focus, items, roomId, store]);

  // One stop for Tab, the arrow keys between messages (focus.ts), settled when the
  // messages change, not at every render (typing, presence): a new message's
  // buttons start in the tab order. One's own buttons that come and go (the picker, "Keep")
  // are in the message the user is in, the chosen one.
  const allPending = state.pending;
  useLayoutEffect(() => {
    if (list.current !== null) settleTabStops(list.current, chosenMessage.current);
  }, [items, allPending]);
  const onFocus = (event: FocusEvent<HTMLOListElement>) => {
    const message = (event.target as Element).closest(MESSAGE);
    if (message === null || message === chosenMessage.current || list.current === null) return;
    chosenMessage.current = message;
    settleTabStops(list.current, message);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLOListElement>) => {
    if (list.current === null) return;
    const to = messageAfterKey(list.current, event.target as Element, event);
    if (to === undefined) return;
    event.preventDefault();
    to.focus();
  };

  return (
    <div className="message-area">
      <ol
        className="messages"
        ref={list}
        onScroll={onScroll}
        onFocus={onFocus}
        onKeyDown={onKeyDown}
        aria-label="Messages"
        aria-describedby={hintId}
        data-testid="messages"
      >
        {messages === undefined && failure === undefined && (
          <li className="muted pad">Loading messages…</li>
        )}
        {messages === undefined && failure !== undefined && (
          <LoadProblem why={failure} onRetry={() => store.retryLoad(roomId)} />
        )}
        {messages?.loadingOlder === true && (
          <li className="muted pad center-text">Loading older…</li>
        )}
        {messages !== undefined && !messages.hasOlder && (
          <li className="muted pad center-text small">Beginning of the conversation</li>
        )}
        {/* One flat list of keyed items: in an array per message, every message would be
            built again when older ones come in above (its place in the list changes), losing
            the keyboard's focus and whatever was open in it. */}
        {items.flatMap((message, index) => {
          const mine = message.senderId === me.id;
          const sender = personOf(state, message.senderId);
          const previous = items[index - 1];
          const newDay = startsDay(previous?.createdAt, message.createdAt);
          const continued =
            previous?.senderId === message.senderId && !newDay && message.seq !== divider;
          return [
            newDay && (
              <li key={`day-${message.seq}`} className="day-separator" data-testid="day-separator">
                <span>{dayLabel(message.createdAt)}</span>
              </li>
            ),
            message.seq === divider && (
              <li key="new-divider" className="new-divider" data-testid="new-divider">
                <span>New messages</span>
              </li>
            ),
            <MessageItem
              key={message.seq}
              store={store}
              message={message}
              meId={me.id}
              senderName={sender.name}
              senderUsername={sender.username}
              senderOnline={state.presence.get(message.senderId)}
              showSender={!mine && !continued}
              continued={continued}
              quoted={quotedOf(message.replyToSeq)}
              seenBy={readers.get(message.seq)}
              owner={owner}
              mentions={mentions}
              nameOf={nameOf}
              onReply={onReply}
              onEdit={onEdit}
              onJump={jumpTo}
              focused={message.seq === highlight}
            />,
          ];
        })}
        {pending.map((message) => (
          <Pending
            key={message.clientMsgId}
            message={message}
            store={store}
            quoted={quotedOf(message.replyToSeq ?? null)}
            onJump={jumpTo}
          />
        ))}
      </ol>
      <p className="sr-only" id={hintId}>
        Up and down arrows move between messages, Home and End to the first and the last.
      </p>
      <p className="sr-only" aria-live="polite" data-testid="announcement">
        {announcement}
      </p>
      {!atBottom && (
        <button
          type="button"
          className="jump-latest"
          onClick={jumpToLatest}
          data-testid="jump-latest"
        >
          {newer.length > 0 ? `${newer.length} new · ` : ''}Jump to latest ↓
        </button>
      )}
    </div>
  );
}

const PROBLEMS: Record<LoadFailure, string> = {
  offline: `${OFFLINE_TEXT} The messages will load then.`,
  error: "The messages couldn't be loaded. Trying again shortly…",
  gone: "This room isn't available: it doesn't exist, or you're not a member of it.",
};

function LoadProblem({ why, onRetry }: { why: LoadFailure; onRetry: () => void }) {
  return (
    <li className="load-problem" role="status" data-testid="load-problem">
      <p>{PROBLEMS[why]}</p>
      {why === 'gone' ? (
        <button type="button" className="secondary" onClick={backToRoomList}>
          Back to rooms
        </button>
      ) : (
        <button type="button" className="secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </li>
  );
}

/** A message of this user's that is not in the loaded history (yet). */
function Pending({
  message,
  store,
  quoted,
  onJump,
}: {
  message: PendingMessage;
  store: ChatStore;
  quoted: Quoted | undefined;
  onJump: (seq: number) => void;
}) {
  const { replyToSeq } = message;
  return (
    <li
      className={`message mine pending ${message.state}`}
      data-testid="message"
      data-pending={message.state}
      data-attempts={message.attempts}
    >
      <div className="bubble-wrap">
        {replyToSeq !== undefined && (
          <ReplyQuote quoted={quoted} onJump={() => onJump(replyToSeq)} />
        )}
        <MessageBody body={message.body} />
        <span className="meta" data-testid="message-state">
          {message.state === 'sent' && ' · Sent'}
          {message.state === 'sending' &&
            (message.attempts > 1 ? `Retrying (${message.attempts})…` : 'Sending…')}
          {message.state === 'failed' && (
            <>
              <span className="failed-text">Not sent</span>
              {message.failedBy === 'offline' && ' · will retry when back online'}
              {/* Refused: the server's reason, written for people (e.g. when to try again). */}
              {message.failedBy === 'refused' && message.error !== undefined && (
                <span data-testid="send-refusal">: {message.error}</span>
              )}{' '}
              <button
                type="button"
                className="link"
                onClick={() => store.retry(message.clientMsgId)}
              >
                Retry
              </button>
            </>
          )}
        </span>
      </div>
    </li>
  );
}

/** Whether the page is shown (not a tab behind another, not a minimised window). */
function usePageVisible(): boolean {
  return useSyncExternalStore(
    (changed) => {
      document.addEventListener('visibilitychange', changed);
      return () => document.removeEventListener('visibilitychange', changed);
    },
    () => document.visibilityState !== 'hidden',
  );
}
