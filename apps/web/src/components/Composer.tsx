import type { MessageView } from '@scale-chat/contracts';
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ChatStore } from '../chat-store';
import { isTouchScreen } from '../focus';
import { CHAT_LIMITS } from '../limits';
import { completeMention, mentionCandidates, mentionQuery } from '../text/mentions';
import { unsentEdits, unsentReplies, unsentText } from '../unsent-text';
import type { User } from '../validate';
import { displayNameOf } from './Avatar';

/** What the composer is for besides a new message: a reply to one, or an edit of one. */
export type Draft = { readonly kind: 'reply' | 'edit'; readonly message: MessageView } | null;

/**
 * What the field holds for `draft`: an edit's text as it was left (unsent-text.ts), else
 * its message's; otherwise the text typed and not sent.
 */
function textFor(draft: Draft, meId: string, roomId: string): string {
  if (draft?.kind !== 'edit') return unsentText.of(meId, roomId);
  const kept = unsentEdits.of(meId, roomId);
  return kept?.seq === draft.message.seq ? kept.text : draft.message.body;
}

/**
 * The message field: it grows with its text up to a limit (then scrolls, styles.css), and
 * keeps the focus when Send is clicked, so the next message can be typed straight away.
 * `@` offers the room's members (arrows, Enter or Tab to pick); it also replies and edits.
 */
export function Composer({
  store,
  roomId,
  meId,
  draft,
  members,
  nameOf,
  onDraftDone,
}: {
  store: ChatStore;
  roomId: string;
  meId: string;
  draft: Draft;
  /** Who can be mentioned: the room's other members. */
  members: readonly User[];
  nameOf: (userId: string) => string;
  onDraftDone: () => void;
}) {
  // What was typed here and not sent (or saved) comes back with the room (unsent-text.ts).
  const [text, setText] = useState(() => textFor(draft, meId, roomId));
  const [caret, setCaret] = useState(0);
  const [choice, setChoice] = useState(0);
  const [saving, setSaving] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  /** The draft now, for an edit's answer that comes after the user moved on. */
  const draftNow = useRef<Draft>(draft);
  useEffect(() => {
    draftNow.current = draft;
  }, [draft]);
  // API.md counts characters as code points: an emoji is one.
  const tooLong = [...text.trim()].length > CHAT_LIMITS.bodyMax;
  const query = mentionQuery(text.slice(0, caret));
  const candidates = query === undefined ? [] : mentionCandidates(members, query);

  useLayoutEffect(() => {
    const element = field.current;
    if (element === null) return;
    // Measured from one line, so it shrinks again when text is removed.
    element.style.height = 'auto';
    element.style.height = `${element.scrollHeight + element.offsetHeight - element.clientHeight}px`;
  }, [text]);

  const previousDraft = useRef<Draft>(draft);
  // What is typed is kept as it is typed (unsent-text.ts): a new message's text, or an
  // edit's apart from it. Not the field's text in the render an edit starts or ends in
  // (the one before, until the effect below).
  useEffect(() => {
    if (draft?.kind === 'edit') {
      if (previousDraft.current === draft)
        unsentEdits.keep(meId, roomId, { seq: draft.message.seq, text });
    } else if (previousDraft.current?.kind !== 'edit') unsentText.keep(meId, roomId, text);
  }, [meId, roomId, text, draft]);

  // An edit starts from the message's text (or what was typed in it before the room was
  // left); a reply or an edit puts the caret in the field. An edit that ends (saved,
  // cancelled, or its message deleted meanwhile) takes its text with it, and what was
  // typed before it comes back.
  useEffect(() => {
    if (draft?.kind === 'edit') setText(textFor(draft, meId, roomId));
    else if (draft === null && previousDraft.current?.kind === 'edit')
      setText(unsentText.of(meId, roomId));
    if (draft !== null) field.current?.focus();
    previousDraft.current = draft;
  }, [draft, meId, roomId]);

  const finish = () => {
    setText('');
    onDraftDone();
    field.current?.focus();
  };

  const send = () => {
    if (text.trim() === '' || tooLong) return;
    if (draft?.kind === 'edit') {
      if (saving) return;
      setSaving(true);
      const edited = draft.message;
      void store
        .editMessage(roomId, edited.seq, text.trim())
        .then((done) => {
          // Only if the composer still holds this edit: not a draft typed or opened since.
          if (done && draftNow.current?.kind === 'edit' && draftNow.current.message === edited)
            finish();
        })
        .finally(() => setSaving(false));
      return;
    }
    // A reply kept across a reload whose message is still on its way is a reply all the same.
    store.send(roomId, text, draft?.message.seq ?? unsentReplies.of(meId, roomId));
    finish();
  };

  const pick = (user: User) => {
    const completed = completeMention(text, caret, user.username);
    setText(completed.text);
    setCaret(completed.caret);
    requestAnimationFrame(() => field.current?.setSelectionRange(completed.caret, completed.caret));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.nativeEvent.isComposing) return;
    const picked = candidates[Math.min(choice, candidates.length - 1)];
    if (picked !== undefined && ['ArrowDown', 'ArrowUp'].includes(event.key)) {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : candidates.length - 1;
      setChoice((choice + step) % candidates.length);
      return;
    }
    if (picked !== undefined && (event.key === 'Enter' || event.key === 'Tab')) {
      event.preventDefault();
      pick(picked);
      return;
    }
    if (event.key === 'Escape' && draft !== null) {
      event.preventDefault();
      finish();
      return;
    }
    // Enter sends, Shift+Enter is a new line. Not while an IME (Korean, Japanese…) is
    // composing: that Enter only commits the syllable (above).
    if (event.key === 'Enter' && !event.shiftKey) {
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
      {draft !== null && (
        <p className="draft-note small" data-testid="draft-note">
          <span>
            {draft.kind === 'edit'
              ? 'Editing your message'
              : `Replying to ${nameOf(draft.message.senderId)}: ${draft.message.body}`}
          </span>
          <button type="button" className="link" onClick={finish}>
            Cancel
          </button>
        </p>
      )}
      {candidates.length > 0 && (
        <ul
          className="mention-list"
          role="listbox"
          aria-label="People to mention"
          id={`mentions-${roomId}`}
        >
          {candidates.map((user, index) => (
            <li
              key={user.id}
              id={`mention-${roomId}-${index}`}
              role="option"
              aria-selected={index === Math.min(choice, candidates.length - 1)}
              onMouseDown={(event) => {
                event.preventDefault();
                pick(user);
              }}
            >
              <bdi>{displayNameOf(user)}</bdi> <span className="muted">@{user.username}</span>
            </li>
          ))}
        </ul>
      )}
      <label className="sr-only" htmlFor={`composer-${roomId}`}>
        Message
      </label>
      <textarea
        ref={field}
        id={`composer-${roomId}`}
        rows={1}
        placeholder="Write a message…"
        value={text}
        // The browser counts UTF-16 units, the API code points (an emoji is two units,
        // one code point): room for a whole message of emoji, and for a pasted text too
        // long, which is said below rather than cut.
        maxLength={CHAT_LIMITS.bodyMax * 2 + 200}
        aria-invalid={tooLong}
        aria-autocomplete="list"
        aria-controls={candidates.length > 0 ? `mentions-${roomId}` : undefined}
        aria-activedescendant={
          candidates.length > 0
            ? `mention-${roomId}-${Math.min(choice, candidates.length - 1)}`
            : undefined
        }
        onChange={(event) => {
          setText(event.target.value);
          setCaret(event.target.selectionStart);
          setChoice(0);
          // Editing a message is not writing one: the others are not told "typing".
          if (event.target.value.trim() === '' || draft?.kind === 'edit')
            store.setTyping(roomId, false);
          else store.typed(roomId);
        }}
        onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
        onBlur={() => store.setTyping(roomId, false)}
        onKeyDown={onKeyDown}
        // Ready to type in a room just opened; not on a touch screen, where it would raise
        // the keyboard over the messages (ChatScreen puts the focus on the title there).
        autoFocus={!isTouchScreen()}
      />
      <button
        type="submit"
        className="primary"
        disabled={text.trim() === '' || tooLong}
        // A click on Send leaves the focus in the field (a tap keeps the phone's keyboard up).
        onMouseDown={(event) => event.preventDefault()}
      >
        {draft?.kind === 'edit' ? 'Save' : 'Send'}
      </button>
      {tooLong && (
        <p className="error small" role="alert">
          At most {CHAT_LIMITS.bodyMax} characters.
        </p>
      )}
      {draft?.kind === 'edit' && text.trim() === '' && (
        <p className="muted small" role="status" data-testid="empty-edit">
          A message can't be empty: delete it instead, or press Escape to keep it.
        </p>
      )}
    </form>
  );
}
