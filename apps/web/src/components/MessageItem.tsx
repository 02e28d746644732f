import type { MessageView } from '@scale-chat/contracts';
import { memo, useEffect, useRef, useState } from 'react';
import type { ChatStore } from '../chat-store';
import { sameItemProps } from '../message-list';
import { clockTime, fullDate } from '../text/dates';
import { Avatar, Names } from './Avatar';
import { MessageBody, type MentionContext } from './MessageBody';

/** The reaction picker's choice: a small set, one tap each (API.md takes any one emoji). */
export const PICKER = ['👍', '❤️', '😂', '😮', '😢', '🎉', '🙏', '👀'] as const;

/** The message a reply answers, when loaded, and its sender's name. */
export interface Quoted {
  readonly message: MessageView;
  readonly senderName: string;
}

/** A reply's quote of the message it answers (stored or still being sent): a click shows it. */
export function ReplyQuote({ quoted, onJump }: { quoted: Quoted | undefined; onJump: () => void }) {
  return (
    <button type="button" className="reply-quote" data-testid="reply-quote" onClick={onJump}>
      {quoted === undefined ? (
        'Reply to an earlier message'
      ) : (
        <>
          <bdi>{quoted.senderName}</bdi>:{' '}
          <bdi>{quoted.message.deletedAt === null ? quoted.message.body : 'Message deleted'}</bdi>
        </>
      )}
    </button>
  );
}

export interface MessageItemProps {
  readonly store: ChatStore;
  readonly message: MessageView;
  readonly meId: string;
  /** Its sender's display name (or what stands for it), and username while the account is known. */
  readonly senderName: string;
  readonly senderUsername: string | undefined;
  readonly senderOnline: boolean | undefined;
  /** Its sender's name and avatar are shown (not a continuation of the one above). */
  readonly showSender: boolean;
  readonly continued: boolean;
  readonly quoted: Quoted | undefined;
  readonly seenBy: readonly string[] | undefined;
  /** This user owns the room: they may delete anyone's message. */
  readonly owner: boolean;
  readonly mentions: MentionContext;
  readonly nameOf: (userId: string) => string;
  readonly onReply: (message: MessageView) => void;
  readonly onEdit: (message: MessageView) => void;
  readonly onJump: (seq: number) => void;
  /** Jumped to (a search result, a quote): highlighted for a moment. */
  readonly focused: boolean;
}

/**
 * One message, rendered again only when what it shows changed (`sameItemProps`): a room's list
 * holds hundreds, and a burst of arrivals re-rendered every one of them for each, which
 * left a browser minutes behind (and its heartbeat missed).
 */
export const MessageItem = memo(MessageItemView, sameItemProps<MessageItemProps>);

/** One message: its reply quote, body (or "deleted"), reactions, receipts and actions. */
function MessageItemView(props: MessageItemProps) {
  const { store, message, meId, quoted } = props;
  const mine = message.senderId === meId;
  const deleted = message.deletedAt !== null;
  const [picking, setPicking] = useState(false);
  const reactButton = useRef<HTMLButtonElement>(null);
  const picker = useRef<HTMLDivElement>(null);
  // Opened: the keyboard is on its first emoji (not behind Edit and Delete); Escape closes
  // it and goes back to React.
  useEffect(() => {
    if (picking) picker.current?.querySelector('button')?.focus();
  }, [picking]);
  const closePicker = () => {
    setPicking(false);
    reactButton.current?.focus();
  };
  const [deleting, setDeleting] = useState(false);
  const item = useRef<HTMLLIElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const keepButton = useRef<HTMLButtonElement>(null);
  // The keyboard follows the confirmation: to "Keep" as it opens (Enter twice must not
  // delete for everyone), back to Delete on Keep or Escape; the buttons it was on are gone
  // either way.
  const [deleteFocus, setDeleteFocus] = useState<'keep' | 'delete' | undefined>(undefined);
  useEffect(() => {
    if (deleteFocus === undefined) return;
    (deleteFocus === 'keep' ? keepButton : deleteButton).current?.focus();
    setDeleteFocus(undefined);
  }, [deleteFocus]);
  const keep = () => {
    setDeleting(false);
    setDeleteFocus('delete');
  };
  const react = (emoji: string, add: boolean) =>
    void store.react(message.roomId, message.seq, emoji, add);
  const classes = [
    'message',
    mine ? 'mine' : 'theirs',
    props.continued ? 'continued' : '',
    message.mentions.includes(meId) ? 'mentions-me' : '',
    props.focused ? 'focused' : '',
  ];
  return (
    <li
      ref={item}
      className={classes.filter((name) => name !== '').join(' ')}
      data-seq={message.seq}
      data-testid="message"
      data-deleted={deleted ? 'true' : undefined}
    >
      {props.showSender && (
        <Avatar
          name={props.senderName}
          userId={message.senderId}
          online={props.senderOnline}
          small
        />
      )}
      <div className="bubble-wrap">
        {/* The username too, always: a display name may be anyone's, or look like it. */}
        {props.showSender && (
          <span className="sender-line">
            <bdi className="sender">{props.senderName}</bdi>
            {props.senderUsername !== undefined && (
              <span className="handle"> @{props.senderUsername}</span>
            )}
          </span>
        )}
        {message.replyToSeq !== null && (
          <ReplyQuote quoted={quoted} onJump={() => props.onJump(message.replyToSeq ?? 0)} />
        )}
        {deleted ? (
          <p className="bubble deleted" data-testid="deleted">
            Message deleted
          </p>
        ) : (
          <MessageBody body={message.body} mentions={props.mentions} reveal={props.focused} />
        )}
        {message.reactions.length > 0 && (
          <ul className="reactions" aria-label="Reactions" data-testid="reactions">
            {message.reactions.map((reaction) => {
              const reacted = reaction.userIds.includes(meId);
              const who = reaction.userIds.map(props.nameOf).join(', ');
              return (
                <li key={reaction.emoji}>
                  <button
                    type="button"
                    className={reacted ? 'reaction mine' : 'reaction'}
                    aria-pressed={reacted}
                    // Who reacted, for a screen reader too (a tooltip is mouse-only).
                    aria-label={`${reaction.emoji} ${reaction.userIds.length}: ${who}`}
                    title={who}
                    data-emoji={reaction.emoji}
                    onClick={() => react(reaction.emoji, !reacted)}
                  >
                    {reaction.emoji} {reaction.userIds.length}
                  </button>
                </li>
              );
            })}
          </ul>
        )}
        <span className="meta">
          <time dateTime={message.createdAt} title={fullDate(message.createdAt)}>
            {clockTime(message.createdAt)}
          </time>
          {message.editedAt !== null && !deleted && (
            <span data-testid="edited" title={fullDate(message.editedAt)}>
              {' '}
              · edited
            </span>
          )}
          {mine && !deleted && <span data-testid="message-state"> · Sent</span>}
        </span>
        {props.seenBy !== undefined && (
          <span className="seen" data-testid="seen">
            Seen by <Names names={props.seenBy.map(props.nameOf)} />
          </span>
        )}
        {!deleted && (
          <div className="message-actions" role="group" aria-label="Message actions">
            <Action label="Reply" onClick={() => props.onReply(message)} />
            <button
              ref={reactButton}
              type="button"
              className="link small"
              aria-expanded={picking}
              onClick={() => setPicking((open) => !open)}
            >
              React
            </button>
            {mine && <Action label="Edit" onClick={() => props.onEdit(message)} />}
            {(mine || props.owner) && !deleting && (
              <button
                ref={deleteButton}
                type="button"
                className="link small"
                onClick={() => {
                  setDeleting(true);
                  setDeleteFocus('keep');
                }}
              >
                Delete
              </button>
            )}
            {deleting && (
              <span
                role="group"
                aria-label="Delete this message for everyone?"
                onKeyDown={(event) => {
                  if (event.key !== 'Escape') return;
                  event.stopPropagation();
                  keep();
                }}
              >
                <button
                  type="button"
                  className="link small danger-text"
                  onClick={() => {
                    // Its buttons go with it: the keyboard stays on the message.
                    item.current?.focus();
                    setDeleting(false);
                    void store.deleteMessage(message.roomId, message.seq);
                  }}
                >
                  Delete for everyone
                </button>
                <button ref={keepButton} type="button" className="link small" onClick={keep}>
                  Keep
                </button>
              </span>
            )}
          </div>
        )}
        {picking && (
          <div
            ref={picker}
            className="reaction-picker"
            role="group"
            aria-label="Pick a reaction"
            onKeyDown={(event) => {
              if (event.key !== 'Escape') return;
              event.stopPropagation();
              closePicker();
            }}
          >
            {PICKER.map((emoji) => (
              <button
                key={emoji}
                type="button"
                className="icon-button"
                data-emoji={emoji}
                onClick={() => {
                  closePicker();
                  const reacted = message.reactions.some(
                    (reaction) => reaction.emoji === emoji && reaction.userIds.includes(meId),
                  );
                  react(emoji, !reacted);
                }}
              >
                {emoji}
              </button>
            ))}
          </div>
        )}
      </div>
    </li>
  );
}

function Action({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <button type="button" className="link small" onClick={onClick}>
      {label}
    </button>
  );
}
