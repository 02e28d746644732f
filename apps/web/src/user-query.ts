import type { User } from './validate';

/** The longest display name (API.md): a longer query can find nobody. */
const QUERY_MAX = 64;

/**
 * API v1.1 finds people by a username prefix or by the start of a word of their display
 * name, in any script (Korean included). What is left to say here, in words, is a query
 * too long to find anyone; control characters (pasted, say) are left out, and so is a
 * leading "@", as people are shown as "@username" everywhere and typed so. An empty
 * `query` (nothing but "@" and spaces) is nothing to search.
 */
export type QueryCheck =
  { readonly ok: true; readonly query: string } | { readonly ok: false; readonly reason: string };

export function checkUserQuery(input: string): QueryCheck {
  const query = input
    .replace(/\p{Cc}/gu, '')
    .trim()
    .replace(/^@\s*/u, '');
  if ([...query].length > QUERY_MAX)
    return { ok: false, reason: `Search with at most ${QUERY_MAX} characters.` };
  return { ok: true, query };
}

/** Search results a person can pick: never themselves. */
export function othersThan(users: readonly User[], meId: string): User[] {
  return users.filter((user) => user.id !== meId);
}

/** What a people search found: those who can be picked, and whether the searcher matched. */
export interface UsersFound {
  readonly others: readonly User[];
  readonly foundMe: boolean;
}

export function usersFound(users: readonly User[], meId: string, most: number): UsersFound {
  return {
    others: othersThan(users, meId).slice(0, most),
    foundMe: users.some((user) => user.id === meId),
  };
}

/**
 * What a search that shows nobody says: that the searcher found themselves (who cannot be
 * picked), rather than that nobody matched.
 */
export function nobodyShown(foundMe: boolean): string {
  return foundMe ? "That's you. Search for someone else." : 'No matching users';
}
