import { useState, type FormEvent } from 'react';
import type { ApiClient } from '../api';
import { describeError } from '../api-error';
import { leaveChat } from '../navigation';
import type { User } from '../validate';
import { displayNameOf } from './Avatar';
import { Dialog } from './Dialog';

/**
 * The signed-in account, and its deletion (API.md `DELETE /api/users/me`): asked for only
 * once the user has typed the username, since it cannot be undone.
 */
export function AccountDialog({
  api,
  user,
  onClose,
}: {
  api: ApiClient;
  user: User;
  onClose: () => void;
}) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirmed = typed.trim() === user.username;

  async function remove(event: FormEvent) {
    event.preventDefault();
    if (!confirmed || busy) return;
    setBusy(true);
    setError(null);
    try {
      // On success the session ends and the login screen replaces this dialog.
      await api.deleteAccount();
      leaveChat();
    } catch (caught) {
      setError(describeError(caught));
      setBusy(false);
    }
  }

  return (
    <Dialog title="Your account" onClose={onClose}>
      <form className="dialog-body" onSubmit={(event) => void remove(event)}>
        <p>
          <strong>
            <bdi>{displayNameOf(user)}</bdi>
          </strong>{' '}
          <span className="muted">@{user.username}</span>
        </p>
        <h3>Delete account</h3>
        <p>
          You leave every room, every login of yours ends, and the account is deleted. The messages
          you sent stay in their rooms. This cannot be undone.
        </p>
        <label className="field">
          <span>
            Type <strong>{user.username}</strong> to confirm
          </span>
          <input
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            data-testid="confirm-username"
          />
        </label>
        {error !== null && (
          <p className="error small" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={onClose}>
            Keep my account
          </button>
          <button type="submit" className="danger" disabled={!confirmed || busy}>
            {busy ? 'Deleting…' : 'Delete account'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
