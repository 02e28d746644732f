import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ChatStore } from '../chat-store';
import { CHAT_LIMITS } from '../limits';

/**
 * The message field: it grows with its text up to a limit (then scrolls, styles.css), and
 * keeps the focus when Send is clicked, so the next message can be typed straight away.
 */
export function Composer({ store, roomId }: { store: ChatStore; roomId: string }) {
  const [text, setText] = useState('');
  const field = useRef<HTMLTextAreaElement>(null);
  // API.md counts characters as code points: an emoji is one.
  const tooLong = [...text.trim()].length > CHAT_LIMITS.bodyMax;

  useLayoutEffect(() => {
    const element = field.current;
    if (element === null) return;
    // Measured from one line, so it shrinks again when text is removed.
    element.style.height = 'auto';
    element.style.height = `${element.scrollHeight + element.offsetHeight - element.clientHeight}px`;
  }, [text]);

  const send = () => {
    if (text.trim() === '' || tooLong) return;
    store.send(roomId, text);
    setText('');
    field.current?.focus();
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
        ref={field}
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
      <button
        type="submit"
        className="primary"
        disabled={text.trim() === '' || tooLong}
        // A click on Send leaves the focus in the field (a tap keeps the phone's keyboard up).
        onMouseDown={(event) => event.preventDefault()}
      >
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
