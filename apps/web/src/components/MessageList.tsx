import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { OFFLINE_TEXT } from '../api-error';
import type { ChatStore, LoadFailure, PendingMessage } from '../chat-store';
import { readersBySeq } from '../message-list';
import { backToRoomList } from '../navigation';
import { clockTime, dayLabel, fullDate, startsDay } from '../text/dates';
import { Avatar, displayNameOf } from './Avatar';
import { MessageBody } from './MessageBody';
import type { RoomProps } from './RoomPane';

/** Closer than this to the bottom counts as reading the latest (px). */
const AT_BOTTOM = 80;

export function MessageList({ store, state, roomId, me }: RoomProps) {
  const list = useRef<HTMLOListElement>(null);
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
  }>({ height: 0, top: 0, firstSeq: undefined, shownUnread: false, pending: 0 });
  const [atBottom, setAtBottom] = useState(true);
  /** The last seq the reader saw at the bottom: what came after it is new to them. */
  const [seenSeq, setSeenSeq] = useState<number | undefined>(undefined);
  const lastSeq = items.at(-1)?.seq;
  // What arrived while scrolled up gets a divider, kept while the room is open.
  const [awayDivider, setAwayDivider] = useState<number | undefined>(undefined);
  const newer = items.filter(
    (message) => seenSeq !== undefined && message.seq > seenSeq && message.senderId !== me.id,
  );
  if (!atBottom && awayDivider === undefined && newer[0] !== undefined)
    setAwayDivider(newer[0].seq);
  if (atBottom && lastSeq !== seenSeq) setSeenSeq(lastSeq);
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
    if (memo.firstSeq !== undefined && firstSeq !== undefined && firstSeq < memo.firstSeq) {
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
    setAtBottom(element.scrollHeight - element.scrollTop - element.clientHeight < AT_BOTTOM);
  }, [items, pending.length, firstUnread]);

  // Messages that come while the reader is scrolled up are not marked read until seen.
  useEffect(() => store.viewAtEnd(atBottom), [store, atBottom]);

  const onScroll = () => {
    const element = list.current;
    if (element === null) return;
    scrollMemo.current.top = element.scrollTop;
    scrollMemo.current.height = element.scrollHeight;
    setAtBottom(element.scrollHeight - element.scrollTop - element.clientHeight < AT_BOTTOM);
    if (element.scrollTop < 120 && messages?.hasOlder === true) void store.loadOlder(roomId);
  };

  const jumpToLatest = () => {
    const element = list.current;
    if (element !== null) element.scrollTop = element.scrollHeight;
  };

  // Read receipts: under each of my messages, who has read up to it (and not further).
  const readers = readersBySeq(items, reads ?? [], me.id);

  return (
    <div className="message-area">
      <ol
        className="messages"
        ref={list}
        onScroll={onScroll}
        role="log"
        aria-label="Messages"
        aria-live="polite"
        tabIndex={0}
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
        {items.map((message, index) => {
          const mine = message.senderId === me.id;
          const sender = state.users.get(message.senderId);
          const previous = items[index - 1];
          const newDay = startsDay(previous?.createdAt, message.createdAt);
          const continued =
            previous?.senderId === message.senderId && !newDay && message.seq !== divider;
          const seenBy = readers.get(message.seq);
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
            <li
              key={message.seq}
              className={`message ${mine ? 'mine' : 'theirs'}${continued ? ' continued' : ''}`}
              data-seq={message.seq}
              data-testid="message"
            >
              {!mine && !continued && (
                <Avatar
                  name={displayNameOf(sender, message.senderId)}
                  online={state.presence.get(message.senderId)}
                  small
                />
              )}
              <div className="bubble-wrap">
                {!mine && !continued && (
                  <span className="sender">{displayNameOf(sender, message.senderId)}</span>
                )}
                <MessageBody body={message.body} />
                <span className="meta">
                  <time dateTime={message.createdAt} title={fullDate(message.createdAt)}>
                    {clockTime(message.createdAt)}
                  </time>
                  {mine && <span data-testid="message-state"> · Sent</span>}
                </span>
                {seenBy !== undefined && (
                  <span className="seen" data-testid="seen">
                    Seen by {seenBy.map((id) => displayNameOf(state.users.get(id), id)).join(', ')}
                  </span>
                )}
              </div>
            </li>,
          ];
        })}
        {pending.map((message) => (
          <Pending key={message.clientMsgId} message={message} store={store} />
        ))}
      </ol>
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
function Pending({ message, store }: { message: PendingMessage; store: ChatStore }) {
  return (
    <li
      className={`message mine pending ${message.state}`}
      data-testid="message"
      data-pending={message.state}
      data-attempts={message.attempts}
    >
      <div className="bubble-wrap">
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
