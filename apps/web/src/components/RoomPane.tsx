import type { MessageView } from '@scale-chat/contracts';
import { useCallback, useEffect, useState } from 'react';
import { nameOfUser, titleOfRoom, type ChatState } from '../chat-state';
import type { ChatStore } from '../chat-store';
import { focusLost } from '../focus';
import { backToRoomList } from '../navigation';
import { countOf } from '../text/plural';
import { unsentEdits, unsentReplies } from '../unsent-text';
import type { User } from '../validate';
import { Names } from './Avatar';
import { Composer, type Draft } from './Composer';
import { MembersPanel } from './MembersPanel';
import { MessageList } from './MessageList';

export interface RoomProps {
  store: ChatStore;
  state: ChatState;
  roomId: string;
  me: User;
}

/** The reply or the edit kept for the room ends (its message is gone). */
function forgetKept(userId: string, roomId: string): void {
  unsentReplies.keep(userId, roomId, undefined);
  unsentEdits.keep(userId, roomId, undefined);
}

/** The room's title, where the keyboard lands when the room replaces the list. */
export const roomTitleId = (roomId: string) => `room-title-${roomId}`;

export function RoomPane({ store, state, roomId, me }: RoomProps) {
  const [showMembers, setShowMembers] = useState(false);
  const summary = state.rooms.find((room) => room.id === roomId);
  const details = state.details.get(roomId);
  const name = titleOfRoom(state, roomId, me.id);
  const memberCount = details?.members.length ?? summary?.memberCount;
  const [draft, setShownDraft] = useState<Draft>(null);
  // Which message the text replies to, or which one it edits (with its text, which
  // Composer keeps as it is typed), is kept for the room in this tab (unsent-text.ts): a
  // reload, or a visit to another room, leaves the text a reply, or the edit an edit with
  // what was typed, once that message is in view again; a reply is never sent as a message
  // of its own, nor an edit thrown away unsaid (both found by trials).
  const setDraft = useCallback(
    (next: Draft) => {
      setShownDraft(next);
      unsentReplies.keep(me.id, roomId, next?.kind === 'reply' ? next.message.seq : undefined);
      if (next?.kind !== 'edit') unsentEdits.keep(me.id, roomId, undefined);
    },
    [me.id, roomId],
  );
  const keptEdit = draft === null ? unsentEdits.of(me.id, roomId)?.seq : undefined;
  const kept = keptEdit ?? (draft === null ? unsentReplies.of(me.id, roomId) : undefined);
  const keptKind = keptEdit === undefined ? 'reply' : 'edit';
  const items = state.messages.get(roomId)?.items;
  const keptOf = items?.find((item) => item.seq === kept);
  if (keptOf !== undefined && keptOf.deletedAt === null)
    setShownDraft({ kind: keptKind, message: keptOf });
  // One older than the page loaded is asked for (a reply's text goes out as a reply
  // meanwhile too: Composer sends with the kept seq).
  const missing = items !== undefined && keptOf === undefined ? kept : undefined;
  useEffect(() => {
    if (missing === undefined) return;
    let current = true;
    const kind = unsentEdits.of(me.id, roomId)?.seq === missing ? 'edit' : 'reply';
    void store.messageAt(roomId, missing).then((message) => {
      if (!current) return;
      if (message === undefined || message.deletedAt !== null) forgetKept(me.id, roomId);
      else setShownDraft((shown) => shown ?? { kind, message });
    });
    return () => {
      current = false;
    };
  }, [missing, store, roomId, me.id]);
  // A reply to, or an edit of, a message deleted meanwhile (by anyone, anywhere) ends: its
  // text must not stay on screen, and there is nothing left to edit.
  const drafted = draft?.message.seq ?? kept;
  if (items?.find((item) => item.seq === drafted)?.deletedAt) {
    setShownDraft(null);
    forgetKept(me.id, roomId);
  }
  // The same functions every render: the messages they are given are not rendered again.
  const onReply = useCallback(
    (message: MessageView) => setDraft({ kind: 'reply', message }),
    [setDraft],
  );
  const onEdit = useCallback(
    (message: MessageView) => setDraft({ kind: 'edit', message }),
    [setDraft],
  );
  const others = (details?.members ?? []).flatMap((member) => {
    const user = state.users.get(member.userId);
    return user === undefined || user.id === me.id ? [] : [user];
  });
  const typing = (state.typing.get(roomId) ?? []).filter((id) => id !== me.id);
  // Not a room of this user's (removed, or a link to someone else's): nothing to do here
  // but go back, which the message list offers.
  const gone = state.loadFailures.get(roomId) === 'gone';
  // A direct room whose other member deleted the account: nobody is left to read a message.
  const alone = details?.kind === 'direct' && details.members.length < 2;
  // The message box (or Members) going while the keyboard was in it leaves the focus on the
  // page: it goes to the room's title, from where Tab reaches what the room still offers.
  const closed = gone || alone;
  useEffect(() => {
    if (closed && focusLost()) document.getElementById(roomTitleId(roomId))?.focus();
  }, [closed, roomId]);

  return (
    <section className="room" aria-label={`Room ${name}`}>
      {!gone && !alone && (
        // Past every message's buttons in one key press; shown only while it has the focus.
        <button
          type="button"
          className="secondary skip-link"
          onClick={() => document.getElementById(`composer-${roomId}`)?.focus()}
        >
          Skip to the message box
        </button>
      )}
      <header className="room-head">
        <button
          type="button"
          className="icon-button back"
          onClick={backToRoomList}
          title="Back to rooms"
        >
          <span aria-hidden="true">‹</span>
          <span className="sr-only">Back to rooms</span>
        </button>
        <div className="room-title">
          <h2 id={roomTitleId(roomId)} tabIndex={-1} dir="auto">
            {name}
          </h2>
          {memberCount !== undefined && (
            <span className="muted small" data-testid="member-count">
              {countOf(memberCount, 'member')}
            </span>
          )}
        </div>
        {!gone && (
          <button
            type="button"
            className="secondary"
            aria-expanded={showMembers}
            disabled={details === undefined}
            onClick={() => setShowMembers((shown) => !shown)}
          >
            Members
          </button>
        )}
      </header>
      <div className="room-body">
        <MessageList
          store={store}
          state={state}
          roomId={roomId}
          me={me}
          onReply={onReply}
          onEdit={onEdit}
        />
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
        {typing.length > 0 && (
          <>
            <Names names={typing.map((id) => nameOfUser(state, id))} />
            {typing.length > 1 ? ' are typing…' : ' is typing…'}
          </>
        )}
      </p>
      {alone && (
        <p className="muted small alone-note" data-testid="alone-note">
          The other person has left: nobody would read a message here.
        </p>
      )}
      {!gone && !alone && (
        <Composer
          store={store}
          roomId={roomId}
          meId={me.id}
          draft={draft}
          members={others}
          nameOf={(id) => nameOfUser(state, id)}
          onDraftDone={() => setDraft(null)}
        />
      )}
    </section>
  );
}
