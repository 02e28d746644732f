import { atNames } from '@scale-chat/contracts/mentions';

/**
 * `@username` mentions (API.md v1.1: a room member named as `@username`, case-insensitive):
 * the word being typed after an `@`, completing it, and finding mentions in a body to
 * highlight them, by the server's own rule (`@scale-chat/contracts/mentions`). Usernames
 * are `a-z 0-9 _ . -` (API.md).
 */
const TYPING_MENTION = /(?:^|\s)@(\S*)$/u;

/**
 * What is typed after `@` just before the caret, if a mention is being typed: the start
 * of a username, or of a display name in any script (`@김`), which completes to the
 * username.
 */
export function mentionQuery(textBeforeCaret: string): string | undefined {
  return TYPING_MENTION.exec(textBeforeCaret)?.[1];
}

/** `text` with the mention being typed before `caret` completed to `@username `. */
export function completeMention(
  text: string,
  caret: number,
  username: string,
): { readonly text: string; readonly caret: number } {
  const before = text.slice(0, caret);
  const query = mentionQuery(before) ?? '';
  const start = before.length - query.length;
  const inserted = `${username} `;
  return {
    text: text.slice(0, start) + inserted + text.slice(caret),
    caret: start + inserted.length,
  };
}

/**
 * People whose username, or a word of whose display name, starts with `query`
 * (case-insensitive), at most `limit`. None when `query` is already one whole username and
 * no other goes on from it: there is nothing left to pick, so Enter sends the message
 * instead of completing the name again.
 */
export function mentionCandidates<
  T extends { readonly username: string; readonly displayName?: string | null },
>(people: readonly T[], query: string, limit = 6): T[] {
  const prefix = query.toLocaleLowerCase();
  const matching = people.filter(
    (person) =>
      person.username.toLowerCase().startsWith(prefix) ||
      (person.displayName ?? '')
        .toLocaleLowerCase()
        .split(/\s+/u)
        .some((word) => word !== '' && word.startsWith(prefix)),
  );
  const [only] = matching;
  if (matching.length === 1 && only?.username.toLowerCase() === prefix) return [];
  return matching.slice(0, limit);
}

export type MentionSegment =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'mention'; readonly text: string; readonly me: boolean };

/**
 * `text` cut at the mentions of `usernames` (lower case; other `@names` stay text), as the
 * server finds them: not after a username character (`ann@host`), and without a trailing
 * `.` or `-` unless the name with it is a member's. `me` marks a mention of `myUsername`.
 * `before` is the body's character just before `text` (when `text` is a piece of it):
 * after a username character, an `@` at its start is not a mention either.
 */
export function splitMentions(
  text: string,
  usernames: ReadonlySet<string>,
  myUsername: string,
  before = '',
): MentionSegment[] {
  const me = myUsername.toLowerCase();
  const segments: MentionSegment[] = [];
  let from = 0;
  for (const at of atNames(before + text)) {
    const named = at.names.filter((name) => usernames.has(name));
    const longest = named[0];
    const index = at.index - before.length;
    // An `@` that is `before` itself (the end of a link) is not in `text`.
    if (longest === undefined || index < 0) continue;
    if (index > from) segments.push({ kind: 'text', text: text.slice(from, index) });
    const end = index + 1 + longest.length;
    segments.push({ kind: 'mention', text: text.slice(index, end), me: named.includes(me) });
    from = end;
  }
  if (from < text.length) segments.push({ kind: 'text', text: text.slice(from) });
  return segments;
}
