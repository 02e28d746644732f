import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { ApiError, describeError } from '../api-error';
import type { ChatStore } from '../chat-store';
import { checkUserQuery, nobodyShown } from '../user-query';
import type { User } from '../validate';
import { Avatar, displayNameOf } from './Avatar';

/**
 * A people search (API.md v1.1 `GET /api/users?query=`: a username prefix, or the start of
 * a word of a display name in any script) with a list to pick from. The server's wording
 * of a refused query never shows; the results never include the searcher
 * (ChatStore.searchUsers). WAI-ARIA's combobox: the field is the combobox, the results its
 * listbox, and the keyboard stays in the field. The arrow keys move through the results
 * (the first is where they start), told to assistive technology as the field's active
 * descendant; Enter picks the one they are on (it never submits a form the search is in);
 * Escape clears the search, and only in an empty field goes to what the search is in (a
 * panel or a dialog, which it closes).
 */
export function UserSearch({
  store,
  label,
  exclude,
  onPick,
}: {
  store: ChatStore;
  label: string;
  exclude: ReadonlySet<string>;
  onPick: (user: User) => void;
}) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<readonly User[]>([]);
  /** The searcher was among what the server found (left out of the results). */
  const [foundMe, setFoundMe] = useState(false);
  /** The query the results answer: "no match" only once the search has answered. */
  const [answered, setAnswered] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** The result the arrow keys are on, by its place in the list shown. */
  const [active, setActive] = useState(0);

  useEffect(() => {
    const check = checkUserQuery(query);
    if (!check.ok || check.query === '') {
      setResults([]);
      setError(check.ok ? null : check.reason);
      return;
    }
    setError(null);
    let current = true;
    const timer = setTimeout(() => {
      store.searchUsers(check.query).then(
        (found) => {
          if (current) {
            setResults(found.others);
            setFoundMe(found.foundMe);
            setAnswered(query);
            setActive(0);
            setError(null);
          }
        },
        (caught: unknown) => {
          if (current)
            setError(
              caught instanceof ApiError && caught.status === 400
                ? "That search didn't work. Try part of a name or username."
                : describeError(caught),
            );
        },
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query, store]);

  const shown = results.filter((user) => !exclude.has(user.id));
  // Only results that answer what is in the field now: Enter right after more typing must
  // not pick someone found for the text before it.
  const highlighted =
    answered === query && shown.length > 0 ? Math.min(active, shown.length - 1) : undefined;
  const pick = (user: User) => {
    onPick(user);
    setQuery('');
    // The result picked goes with the query: the keyboard goes back to the search, for the
    // next person, not to the page.
    input.current?.focus();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    // Enter that ends the typing of a word (Korean, say) is the input method's.
    if (event.nativeEvent.isComposing) return;
    if (event.key === 'Escape' && (query !== '' || shown.length > 0)) {
      // Not the panel's or the dialog's Escape: that is the next one, in an empty field.
      event.preventDefault();
      event.stopPropagation();
      setQuery('');
      setResults([]);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const user = highlighted === undefined ? undefined : shown[highlighted];
      if (user !== undefined) pick(user);
    } else if (
      (event.key === 'ArrowDown' || event.key === 'ArrowUp') &&
      highlighted !== undefined
    ) {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive(Math.min(Math.max(highlighted + step, 0), shown.length - 1));
    }
  };
  const listId = `${id}-results`;
  const optionId = (index: number) => `${id}-result-${index}`;
  const expanded = shown.length > 0;
  return (
    <div className="user-search">
      <label className="field" htmlFor={id}>
        <span>{label}</span>
      </label>
      <input
        ref={input}
        id={id}
        type="search"
        placeholder="Name or username"
        autoComplete="off"
        value={query}
        onChange={(event) => setQuery(event.target.value)}
        onKeyDown={onKeyDown}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={highlighted === undefined ? undefined : optionId(highlighted)}
      />
      {error !== null && (
        <p className="error small" role="alert" data-testid="user-search-error">
          {error}
        </p>
      )}
      {/* Always in the page, for the field's aria-controls; hidden while it has no result. */}
      <ul
        id={listId}
        className="user-results"
        role="listbox"
        aria-label="Search results"
        hidden={!expanded}
      >
        {shown.map((user, index) => (
          <li
            key={user.id}
            id={optionId(index)}
            role="option"
            aria-selected={index === highlighted}
            className={index === highlighted ? 'user-result active' : 'user-result'}
            // A click keeps the keyboard in the field, as the arrow keys do.
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => pick(user)}
          >
            <Avatar name={displayNameOf(user)} userId={user.id} small />
            <span>
              <bdi>{displayNameOf(user)}</bdi> <span className="muted">@{user.username}</span>
            </span>
          </li>
        ))}
      </ul>
      {answered === query && query !== '' && shown.length === 0 && error === null && (
        <p className="muted small pad" role="status">
          {nobodyShown(foundMe && results.length === 0)}
        </p>
      )}
    </div>
  );
}
