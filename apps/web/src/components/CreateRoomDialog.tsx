import { useId, useState, type FormEvent } from 'react';
import { describeError } from '../api-error';
import type { ChatStore } from '../chat-store';
import { CHAT_LIMITS } from '../limits';
import { roomNameTooLong } from '../room-name';
import type { User } from '../validate';
import { displayNameOf } from './Avatar';
import { Dialog } from './Dialog';
import { UserSearch } from './UserSearch';

export function CreateRoomDialog({
  store,
  onClose,
  onCreated,
}: {
  store: ChatStore;
  onClose: () => void;
  onCreated: (roomId: string) => void;
}) {
  const [name, setName] = useState('');
  const [members, setMembers] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const nameHint = useId();

  // Said while typing, as the message box does, rather than cut off by the field.
  const tooLong = roomNameTooLong(name);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (tooLong) return;
    if (name.trim() === '') {
      setError('A room needs a name.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const room = await store.createRoom(
        name.trim(),
        members.map((member) => member.id),
      );
      onCreated(room.id);
    } catch (caught) {
      setError(describeError(caught));
      setBusy(false);
    }
  }

  return (
    <Dialog title="New room" onClose={onClose}>
      <form className="dialog-body" onSubmit={(event) => void submit(event)} noValidate>
        <label className="field">
          <span>Room name</span>
          <input
            name="roomName"
            required
            // Room for a pasted name that is too long, which is said below, not cut.
            maxLength={CHAT_LIMITS.roomNameMax * 4}
            value={name}
            onChange={(event) => setName(event.target.value)}
            aria-invalid={tooLong}
            aria-describedby={tooLong ? nameHint : undefined}
            autoFocus
          />
        </label>
        {tooLong && (
          <p className="error small" role="alert" id={nameHint} data-testid="room-name-too-long">
            At most {CHAT_LIMITS.roomNameMax} characters.
          </p>
        )}
        <UserSearch
          store={store}
          label="Add people"
          exclude={new Set(members.map((member) => member.id))}
          onPick={(user) => setMembers((current) => [...current, user])}
        />
        {members.length > 0 && (
          <ul className="chips" aria-label="People to add">
            {members.map((member) => (
              <li key={member.id} className="chip">
                <bdi>{displayNameOf(member)}</bdi>
                <button
                  type="button"
                  className="chip-remove"
                  onClick={() =>
                    setMembers((current) => current.filter((other) => other.id !== member.id))
                  }
                >
                  <span aria-hidden="true">×</span>
                  <span className="sr-only">Remove {displayNameOf(member)}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        {error !== null && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || tooLong}>
            {busy ? 'Creating…' : 'Create room'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
