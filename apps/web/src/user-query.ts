import { USERNAME } from './account-rules';
import type { User } from './validate';

/**
 * API v1 searches users by username prefix only, and refuses (400) a query outside the
 * username alphabet. The check runs here first so a person typing a display name (Korean,
 * spaces) reads what the search can do instead of the server's validation text.
 */
export type QueryCheck =
  { readonly ok: true; readonly query: string } | { readonly ok: false; readonly reason: string };

export function checkUserQuery(input: string): QueryCheck {
  const query = input.trim();
  if (!USERNAME.pattern.test(query))
    return {
      ok: false,
      reason:
        'People are found by their username (letters a–z, digits, _ . -), not by their display name. Try the username they signed up with.',
    };
  if ([...query].length > USERNAME.max)
    return { ok: false, reason: `A username has at most ${USERNAME.max} characters.` };
  return { ok: true, query };
}

/** Search results a person can pick: never themselves. */
export function othersThan(users: readonly User[], meId: string): User[] {
  return users.filter((user) => user.id !== meId);
}
