/**
 * What counts as a mention (API.md v1.1): `@username` in a body, usernames being 3–32 of
 * `a-z 0-9 _ . -`, compared case-insensitively. An `@` right after a username character is
 * not a mention (`ann@host` is an address), nor one right after a `/` (`https://host/@ann`
 * is a link's path, which the web app shows as a link), and a sentence's full stop or dash
 * after a name is not part of it (`thanks @ann.` names `ann`, or `ann.` if that is a
 * member).
 *
 * One rule for the server (which stores `mentions`) and the web app (which highlights
 * them): pure, without imports, so the browser bundle takes it as it is
 * (`@scale-chat/contracts/mentions`).
 */
const AT_NAME = /(?<![a-z0-9_./-])@([a-z0-9_.-]+)/giu;
const USERNAME_MIN = 3;
const USERNAME_MAX = 32;

const isUsername = (name: string) => name.length >= USERNAME_MIN && name.length <= USERNAME_MAX;

/**
 * `token` without its trailing `.` and `-`. A loop from the end, not `/[.-]+$/`: that
 * tries every run of them from its start, so a body of dots before a letter cost time
 * growing with its length squared (18–25 ms for 4,000 characters, a minute for 100,000).
 */
function withoutTrailingPunctuation(token: string): string {
  let end = token.length;
  while (end > 0 && (token[end - 1] === '.' || token[end - 1] === '-')) end -= 1;
  return token.slice(0, end);
}

/** One `@name` in a body. */
export interface AtName {
  /** Where its `@` is in the body. */
  readonly index: number;
  /**
   * The usernames it may name, lower case, longest first: the word after the `@`, then
   * that word without its trailing `.` and `-`; only those of a username's length.
   */
  readonly names: readonly string[];
}

/** Every `@name` of a body that may be a mention, in order. */
export function atNames(body: string): AtName[] {
  const found: AtName[] = [];
  for (const match of body.matchAll(AT_NAME)) {
    const token = (match[1] ?? '').toLowerCase();
    const names = [...new Set([token, withoutTrailingPunctuation(token)])].filter(isUsername);
    if (names.length > 0) found.push({ index: match.index, names });
  }
  return found;
}

/** The lower-case names a body might mention, each once, in order of first appearance. */
export function mentionCandidates(body: string): string[] {
  return [...new Set(atNames(body).flatMap((at) => at.names))];
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
