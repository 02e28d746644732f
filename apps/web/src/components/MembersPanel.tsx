import type { RoomView } from '@scale-chat/contracts';
import { useEffect, useRef, useState } from 'react';
import { describeError } from '../api-error';
import { nameOfUser, titleOfRoom, type ChatState } from '../chat-state';
import type { ChatStore } from '../chat-store';
import { focusLost } from '../focus';
import { openRoomPage } from '../navigation';
import type { User } from '../validate';
import { Avatar, displayNameOf, PresenceLabel } from './Avatar';
import { ConfirmDialog } from './Dialog';
import { UserSearch } from './UserSearch';

/** A removal being confirmed: the member, and the Remove buttons after theirs, nearest first. */
interface Removal {
  readonly id: string;
  readonly name: string;
  readonly next: readonly string[];
}

export function MembersPanel({
  store,
  state,
  room,
  me,
  onClose,
}: {
  store: ChatStore;
  state: ChatState;
  room: RoomView;
  me: User;
  onClose: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  /** The member whose removal is being confirmed, and the Remove buttons after theirs. */
  const [removing, setRemoving] = useState<Removal | null>(null);
  const owner = room.members.some((member) => member.userId === me.id && member.role === 'owner');
  const run = (action: Promise<void>) =>
    action.then(
      () => setError(null),
      (caught: unknown) => setError(describeError(caught)),
    );
  const panel = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  // Closed (its ×, Escape) with the keyboard in it, the panel would leave the focus on the
  // page: it goes back to where it was when the panel opened, the "Members" button.
  useEffect(() => {
    const opener = document.activeElement;
    return () => {
      if (opener instanceof HTMLElement && opener.isConnected && focusLost()) opener.focus();
    };
  }, []);

  const removable = room.members
    .filter((member) => owner && member.userId !== me.id && room.kind === 'group')
    .map((member) => member.userId);
  /** A member being removed, and the Remove buttons to take the focus after, nearest first. */
  const afterRemoval = useRef<{ gone: string; next: readonly string[] } | null>(null);
  /**
   * Where the focus goes when it is lost (and only then: the user may have gone elsewhere
   * meanwhile): the first of these members' Remove buttons still shown, else the heading.
   */
  const refocus = (userIds: readonly string[]) => {
    if (!focusLost()) return;
    const buttons = userIds.map((userId) =>
      panel.current?.querySelector<HTMLElement>(`[data-remove="${userId}"]`),
    );
    (buttons.find((button) => button !== null && button !== undefined) ?? heading.current)?.focus();
  };
  /** The Remove buttons to take the focus after `userId`'s, nearest first. */
  const removableAfter = (userId: string) => {
    const at = removable.indexOf(userId);
    return [...removable.slice(at + 1), ...removable.slice(0, at).reverse()];
  };
  // The buttons after the member's as they were when the removal was asked for: the member
  // may have left while it was being confirmed.
  const confirmRemoval = ({ id: userId, name, next }: Removal) => {
    afterRemoval.current = { gone: userId, next };
    store.removeMember(room.id, userId).then(
      () => {
        setError(null);
        // The row may have gone before (the member left meanwhile): the effect below saw
        // it go before this removal was asked for.
        refocus(next);
      },
      (caught: unknown) => {
        // Refused: said in the panel, and the keyboard at the member's Remove (the confirm
        // dialog gone, it may have been left nowhere: the row went, the member having left
        // meanwhile), else the next one's, else the heading.
        setError(`${name} was not removed: ${describeError(caught)}`);
        refocus([userId, ...next]);
      },
    );
  };
  // The row with the focus (on its Remove button) goes once the removal is done: the focus
  // goes to the next member's Remove (else the one before, else the panel's heading), not
  // to the page.
  useEffect(() => {
    const after = afterRemoval.current;
    if (after === null || room.members.some((member) => member.userId === after.gone)) return;
    afterRemoval.current = null;
    refocus(after.next);
  }, [room.members]);

  return (
    <aside
      ref={panel}
      className="members"
      aria-label="Members"
      onKeyDown={(event) => {
        // Escape in a dialog over the panel closes only the dialog.
        if (event.key !== 'Escape' || (event.target as Element).closest('dialog') !== null) return;
        event.preventDefault();
        onClose();
      }}
    >
      <header className="panel-head">
        <h3 ref={heading} tabIndex={-1}>
          Members
        </h3>
        <button type="button" className="icon-button" onClick={onClose} title="Close members">
          <span aria-hidden="true">×</span>
          <span className="sr-only">Close members</span>
        </button>
      </header>
      <ul className="member-list" data-testid="members">
        {room.members.map((member) => {
          const user = state.users.get(member.userId);
          const online =
            member.userId === me.id
              ? state.connection === 'connected'
              : state.presence.get(member.userId);
          const name = displayNameOf(user, member.userId);
          // Said where the row is not seen (a button's label, a question): with the
          // username when someone else goes by this name.
          const said = nameOfUser(state, member.userId);
          return (
            <li key={member.userId} className="member" data-user={user?.username}>
              <Avatar name={name} userId={member.userId} online={online} small />
              {/* The name has the row; a long one ends in "…" (the full name in its title),
                  and the actions go under it rather than squeeze it. The username goes under
                  the name: a display name may be anyone's. */}
              <div className="member-main">
                <span className="member-who">
                  <span className="member-line">
                    <bdi className="member-name" title={name}>
                      {name}
                    </bdi>
                    {member.userId === me.id && <span className="muted member-you"> (you)</span>}
                    <PresenceLabel online={online} />
                  </span>
                  {user !== undefined && (
                    <span className="handle member-handle">@{user.username}</span>
                  )}
                </span>
                <span className="member-actions">
                  {member.role === 'owner' && room.kind === 'group' && (
                    <span className="tag">owner</span>
                  )}
                  {member.userId !== me.id && room.kind === 'group' && (
                    <button
                      type="button"
                      className="link small"
                      data-testid="message-member"
                      onClick={() =>
                        void run(store.openDirect(member.userId).then((id) => openRoomPage(id)))
                      }
                    >
                      Message
                      <span className="sr-only"> {said}</span>
                    </button>
                  )}
                  {owner && member.userId !== me.id && room.kind === 'group' && (
                    <button
                      type="button"
                      className="link small danger-link"
                      data-testid="remove-member"
                      data-remove={member.userId}
                      onClick={() =>
                        setRemoving({
                          id: member.userId,
                          name: said,
                          next: removableAfter(member.userId),
                        })
                      }
                    >
                      Remove
                      <span className="sr-only"> {said}</span>
                    </button>
                  )}
                </span>
              </div>
            </li>
          );
        })}
      </ul>
      {room.kind === 'group' && (
        <UserSearch
          store={store}
          label="Add a member"
          exclude={new Set(room.members.map((member) => member.userId))}
          onPick={(user) => void run(store.addMember(room.id, user.id))}
        />
      )}
      {error !== null && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
      {room.kind === 'group' && (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Leave room
        </button>
      )}
      {removing !== null && (
        <ConfirmDialog
          title={`Remove ${removing.name} from ${titleOfRoom(state, room.id, me.id)}?`}
          text="They will stop receiving its messages, and a member will have to add them again for them to come back."
          cancel="Cancel"
          confirm="Remove"
          onConfirm={() => confirmRemoval(removing)}
          onClose={() => setRemoving(null)}
        />
      )}
      {confirming && (
        <ConfirmDialog
          title={`Leave ${titleOfRoom(state, room.id, me.id)}?`}
          text="You will stop receiving its messages, and a member will have to add you again for you to come back."
          cancel="Stay"
          confirm="Leave room"
          onConfirm={() => void run(store.leave(room.id))}
          onClose={() => setConfirming(false)}
        />
      )}
    </aside>
  );
}
