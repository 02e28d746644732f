/**
 * `@username` in a body (API.md v1.1), usernames being 3–32 of `a-z 0-9 _ . -`, compared
 * case-insensitively. An `@` right after a username character is not a mention (`ann@host`
 * is an address), and a sentence's full stop or dash after a name is not part of it
 * (`thanks @ann.` names `ann`, or `ann.` if that is a member).
 */
const AT_NAME = /(?<![a-z0-9_.-])@([a-z0-9_.-]+)/giu;
const TRAILING_PUNCTUATION = /[.-]+$/u;
const USERNAME_MIN = 3;
const USERNAME_MAX = 32;

const isUsername = (name: string) => name.length >= USERNAME_MIN && name.length <= USERNAME_MAX;

/** The lower-case names a body might mention, each once, in order of first appearance. */
export function mentionCandidates(body: string): string[] {
  const names = new Set<string>();
  for (const match of body.matchAll(AT_NAME)) {
    const token = (match[1] ?? '').toLowerCase();
    for (const name of [token, token.replace(TRAILING_PUNCTUATION, '')]) {
      if (isUsername(name)) names.add(name);
    }
  }
  return [...names];
}

/**
 * The ids of the members a body names, in order of first mention, each once.
 * `members` maps a member's lower-case username to its id.
 */
export function resolveMentions(body: string, members: ReadonlyMap<string, string>): string[] {
  const ids = new Set<string>();
  for (const name of mentionCandidates(body)) {
    const id = members.get(name);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}
