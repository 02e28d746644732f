import { useState } from 'react';
import { describeError } from '../api-error';
import type { ChatStore } from '../chat-store';
import { Dialog } from './Dialog';
import { UserSearch } from './UserSearch';

/** "Message someone": a person found by username or display name, then their direct room. */
export function DirectMessageDialog({
  store,
  onClose,
  onOpened,
}: {
  store: ChatStore;
  onClose: () => void;
  onOpened: (roomId: string) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title="Message someone" onClose={onClose}>
      <div className="dialog-body">
        <UserSearch
          store={store}
          label="Find a person"
          exclude={new Set()}
          onPick={(user) =>
            void store.openDirect(user.id).then(onOpened, (caught: unknown) => {
              setError(describeError(caught));
            })
          }
        />
        {/* Closed with the dialog's own close button or Escape. */}
        {error !== null && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </div>
    </Dialog>
  );
}
