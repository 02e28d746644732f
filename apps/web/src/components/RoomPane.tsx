import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { CHAT_LIMITS } from '../limits';
import type { ChatState, ChatStore } from '../chat-store';
import { formatTime } from '../format';
import type { User } from '../validate';
import { Avatar, displayNameOf } from './Avatar';
import { MembersPanel } from './MembersPanel';

interface Props {
  store: ChatStore;
  state: ChatState;
  roomId: string;
  me: User;
}

export function RoomPane({ store, state, roomId, me }: Props) {
  const [showMembers, setShowMembers] = useState(false);
  const summary = state.rooms.find((room) => room.id === roomId);
  const details = state.details.get(roomId);
  const name = details?.name ?? summary?.name ?? '';
  const memberCount = details?.members.length ?? summary?.memberCount ?? 0;
  const typing = (state.typing.get(roomId) ?? []).filter((id) => id !== me.id);

  return (
    <section className="room" aria-label={`Room ${name}`}>
      <header className="room-head">
        <button
          type="button"
          className="icon-button back"
          onClick={() => void store.open(null)}
          title="Back to rooms"
        >
          <span aria-hidden="true">‹</span>
          <span className="sr-only">Back to rooms</span>
        </button>
        <div className="room-title">
          <h2>{name}</h2>
          <span className="muted small">{memberCount} members</span>
        </div>
        <button
          type="button"
          className="secondary"
          aria-expanded={showMembers}
          onClick={() => setShowMembers((shown) => !shown)}
        >
          Members
        </button>
      </header>
      <div className="room-body">
        <MessageList store={store} state={state} roomId={roomId} me={me} />
        {showMembers && details !== undefined && (
          <MembersPanel
            store={store}
            state={state}
            room={details}
            me={me}
            onClose={() => setShowMembers(false)}
          />
        )}
      </div>
      <p className="typing" aria-live="polite" data-testid="typing">
        {typing.length > 0 &&
          `${typing.map((id) => displayNameOf(state.users.get(id), id)).join(', ')} ${
            typing.length > 1 ? 'are' : 'is'
          } typing…`}
      </p>
      <Composer store={store} roomId={roomId} />
    </section>
  );
}

function MessageList({ store, state, roomId, me }: Props) {
  const list = useRef<HTMLOListElement>(null);
  const messages = state.messages.get(roomId);
  const items = messages?.items ?? [];
  const pending = state.pending.filter((message) => message.roomId === roomId);
  const reads = state.reads.get(roomId);
  const scrollMemo = useRef<{ height: number; top: number; firstSeq: number | undefined }>({
    height: 0,
    top: 0,
    firstSeq: undefined,
  });

  // Keeps the view where it was when older messages come in above; follows new ones
  // at the bottom when the reader was at the bottom.
  useLayoutEffect(() => {
    const element = list.current;
    if (element === null) return;
    const memo = scrollMemo.current;
    const firstSeq = items[0]?.seq;
    if (memo.firstSeq !== undefined && firstSeq !== undefined && firstSeq < memo.firstSeq) {
      element.scrollTop = element.scrollHeight - memo.height + memo.top;
    } else if (memo.height - memo.top - element.clientHeight < 80 || memo.height === 0) {
      element.scrollTop = element.scrollHeight;
    }
    memo.firstSeq = firstSeq;
    memo.height = element.scrollHeight;
    memo.top = element.scrollTop;
  }, [items, pending.length]);

  const onScroll = () => {
    const element = list.current;
    if (element === null) return;
    scrollMemo.current.top = element.scrollTop;
    scrollMemo.current.height = element.scrollHeight;
    if (element.scrollTop < 120 && messages?.hasOlder === true) void store.loadOlder(roomId);
  };

  // Read receipts: under each of my messages, who has read up to it (and not further).
  const readers = new Map<number, string[]>();
  for (const [userId, seq] of reads ?? []) {
    if (userId === me.id) continue;
    const mine = items.filter((message) => message.senderId === me.id && message.seq <= seq).at(-1);
    if (mine !== undefined) readers.set(mine.seq, [...(readers.get(mine.seq) ?? []), userId]);
  }

  return (
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
      {messages === undefined && <li className="muted pad">Loading messages…</li>}
      {messages?.loadingOlder === true && <li className="muted pad center-text">Loading older…</li>}
      {messages !== undefined && !messages.hasOlder && (
        <li className="muted pad center-text small">Beginning of the conversation</li>
      )}
      {items.map((message, index) => {
        const mine = message.senderId === me.id;
        const sender = state.users.get(message.senderId);
        const continued = items[index - 1]?.senderId === message.senderId;
        const seenBy = readers.get(message.seq);
        return (
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
              <p className="bubble">{message.body}</p>
              <span className="meta">
                <time dateTime={message.createdAt}>{formatTime(message.createdAt)}</time>
                {mine && <span data-testid="message-state"> · Sent</span>}
              </span>
              {seenBy !== undefined && (
                <span className="seen" data-testid="seen">
                  Seen by {seenBy.map((id) => displayNameOf(state.users.get(id), id)).join(', ')}
                </span>
              )}
            </div>
          </li>
        );
      })}
      {pending.map((message) => (
        <li
          key={message.clientMsgId}
          className={`message mine pending ${message.state}`}
          data-testid="message"
          data-pending={message.state}
          data-attempts={message.attempts}
        >
          <div className="bubble-wrap">
            <p className="bubble">{message.body}</p>
            <span className="meta" data-testid="message-state">
              {message.state === 'sending' ? (
                message.attempts > 1 ? (
                  `Retrying (${message.attempts})…`
                ) : (
                  'Sending…'
                )
              ) : (
                <>
                  <span className="failed-text">Not sent</span>
                  {message.failedBy === 'offline' && ' · will retry when back online'}
                  {message.error !== undefined && (
                    <span className="sr-only">: {message.error}</span>
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
      ))}
    </ol>
  );
}

function Composer({ store, roomId }: { store: ChatStore; roomId: string }) {
  const [text, setText] = useState('');
  // API.md counts characters as code points: an emoji is one.
  const tooLong = [...text.trim()].length > CHAT_LIMITS.bodyMax;

  const send = () => {
    if (text.trim() === '' || tooLong) return;
    store.send(roomId, text);
    setText('');
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter sends, Shift+Enter is a new line. Not while an IME (Korean, Japanese…) is
    // composing: that Enter only commits the syllable.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <label className="sr-only" htmlFor={`composer-${roomId}`}>
        Message
      </label>
      <textarea
        id={`composer-${roomId}`}
        rows={1}
        placeholder="Write a message…"
        value={text}
        maxLength={CHAT_LIMITS.bodyMax + 200}
        aria-invalid={tooLong}
        onChange={(event) => {
          setText(event.target.value);
          if (event.target.value.trim() === '') store.setTyping(roomId, false);
          else store.typed(roomId);
        }}
        onBlur={() => store.setTyping(roomId, false)}
        onKeyDown={onKeyDown}
        autoFocus
      />
      <button type="submit" className="primary" disabled={text.trim() === '' || tooLong}>
        Send
      </button>
      {tooLong && (
        <p className="error small" role="alert">
          At most {CHAT_LIMITS.bodyMax} characters.
        </p>
      )}
    </form>
  );
}
