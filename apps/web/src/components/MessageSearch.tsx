import type { MessageView } from '@scale-chat/contracts';
import { useEffect, useId, useState } from 'react';
import { describeError } from '../api-error';
import { roomAndSender } from '../room-name';
import { nameOfUser, titleOfRoom, type ChatState } from '../chat-state';
import type { ChatStore } from '../chat-store';
import { fullDate } from '../text/dates';
import { searchExcerpt } from '../text/search-excerpt';
import { searchQueryProblem } from '../text/search-query';
import { Names } from './Avatar';
import { Dialog } from './Dialog';

/**
 * Search across this user's rooms, or only the open one (API.md v1.1); a result opens its
 * room at the message.
 */
export function MessageSearch({
  store,
  state,
  meId,
  onClose,
  onPick,
}: {
  store: ChatStore;
  state: ChatState;
  meId: string;
  onClose: () => void;
  onPick: (message: MessageView) => void;
}) {
  const id = useId();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<{ items: MessageView[]; hasMore: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const openRoomId = state.openRoomId;
  const [onlyOpenRoom, setOnlyOpenRoom] = useState(false);
  const roomId = onlyOpenRoom && openRoomId !== null ? openRoomId : undefined;
  const problem = searchQueryProblem(query);

  useEffect(() => {
    setResults(null);
    if (searchQueryProblem(query) !== undefined) return;
    let current = true;
    const timer = setTimeout(() => {
      store.searchMessages(query.trim(), roomId === undefined ? {} : { roomId }).then(
        (page) => {
          if (current) {
            setResults(page);
            setError(null);
          }
        },
        (caught: unknown) => {
          if (current) setError(describeError(caught));
        },
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query, roomId, store]);

  const more = () => {
    const last = results?.items.at(-1);
    if (results === null || last === undefined || loadingMore) return;
    setLoadingMore(true);
    store
      .searchMessages(query.trim(), {
        before: last.id,
        ...(roomId === undefined ? {} : { roomId }),
      })
      .then(
        // Only onto the results it continues: a new query meanwhile has its own.
        (page) =>
          setResults((shown) =>
            shown === results
              ? { items: [...results.items, ...page.items], hasMore: page.hasMore }
              : shown,
          ),
        (caught: unknown) => setError(describeError(caught)),
      )
      .finally(() => setLoadingMore(false));
  };

  return (
    <Dialog title="Search messages" onClose={onClose}>
      <div className="dialog-body">
        <label className="field" htmlFor={id}>
          <span>Words in a message</span>
        </label>
        <input
          id={id}
          type="search"
          autoComplete="off"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          aria-describedby={`${id}-hint`}
        />
        {openRoomId !== null && (
          <label className="check">
            <input
              type="checkbox"
              checked={onlyOpenRoom}
              onChange={(event) => setOnlyOpenRoom(event.target.checked)}
            />
            Only in {titleOfRoom(state, openRoomId, meId)}
          </label>
        )}
        <p id={`${id}-hint`} className="muted small" role="status">
          {query.trim() === ''
            ? roomId === undefined
              ? 'Searches every room you are in.'
              : `Searches ${titleOfRoom(state, roomId, meId)}.`
            : (problem ??
              error ??
              (results === null
                ? 'Searching…'
                : results.items.length === 0
                  ? 'No messages found.'
                  : ''))}
        </p>
        {results !== null && results.items.length > 0 && (
          <ul className="search-results" aria-label="Messages found" data-testid="search-results">
            {results.items.map((message) => (
              <li key={message.id}>
                <button type="button" className="search-result" onClick={() => onPick(message)}>
                  <span className="small muted">
                    <Names
                      names={roomAndSender(
                        titleOfRoom(state, message.roomId, meId),
                        nameOfUser(state, message.senderId),
                      )}
                      separator=" · "
                    />{' '}
                    · {fullDate(message.createdAt)}
                  </span>
                  <span data-testid="search-excerpt" dir="auto">
                    {searchExcerpt(message.body, query).map((part, index) =>
                      part.hit ? (
                        <mark key={index} className="search-hit">
                          {part.text}
                        </mark>
                      ) : (
                        part.text
                      ),
                    )}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
        {results?.hasMore === true && (
          <button type="button" className="secondary" onClick={more} disabled={loadingMore}>
            More results
          </button>
        )}
      </div>
    </Dialog>
  );
}
