import type { User } from './validate';

/**
 * Display names are not unique (API.md): anyone may sign up as "Alice". Where a name alone
 * could be taken for another person's, the username (unique) goes with it.
 */

/**
 * A display name as it looks, to tell whether two look alike: compatibility forms folded
 * (NFKC: "Ａｌｉｃｅ" is "Alice"), invisible characters dropped (zero-width spaces, bidi
 * controls), spaces run together and trimmed, case ignored. Letters of other scripts that
 * look the same (a Cyrillic "А") are not caught: a message's sender and the members panel
 * always show the username.
 */
export function nameKey(displayName: string): string {
  return displayName
    .normalize('NFKC')
    .replace(/\p{Default_Ignorable_Code_Point}/gu, '')
    .replace(/\s+/gu, ' ')
    .trim()
    .toLowerCase();
}

/** The names (their `nameKey`s) that more than one of `people` goes by. */
export function sharedNames(
  people: Iterable<Pick<User, 'id' | 'displayName'>>,
): ReadonlySet<string> {
  const firstHolder = new Map<string, string>();
  const shared = new Set<string>();
  for (const person of people) {
    const key = nameKey(person.displayName);
    const holder = firstHolder.get(key);
    if (holder === undefined) firstHolder.set(key, person.id);
    else if (holder !== person.id) shared.add(key);
  }
  return shared;
}

/**
 * "Alice (@alice)" when someone else goes by Alice too (`shared`), else "Alice". The name
 * is isolated (U+2068 … U+2069) in the text: a right-to-left override in it cannot turn
 * the username around.
 */
export function distinctName(
  user: Pick<User, 'displayName' | 'username'>,
  shared: ReadonlySet<string>,
): string {
  return shared.has(nameKey(user.displayName))
    ? `\u2068${user.displayName}\u2069 (@${user.username})`
    : user.displayName;
}
