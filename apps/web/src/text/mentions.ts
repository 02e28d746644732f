/**
 * `@username` mentions (API.md v1.1: a room member named as `@username`, case-insensitive):
 * the word being typed after an `@`, completing it, and finding mentions in a body to
 * highlight them. Usernames are `a-z 0-9 _ . -` (API.md).
 */
const TYPING_MENTION = /(?:^|\s)@([A-Za-z0-9_.-]*)$/;
const MENTION = /@([A-Za-z0-9_.-]+)/g;

/** The part of a username typed after `@` just before the caret, if one is being typed. */
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

/** People whose username starts with `query` (case-insensitive), at most `limit`. */
export function mentionCandidates<T extends { readonly username: string }>(
  people: readonly T[],
  query: string,
  limit = 6,
): T[] {
  const prefix = query.toLowerCase();
  return people
    .filter((person) => person.username.toLowerCase().startsWith(prefix))
    .slice(0, limit);
}

export type MentionSegment =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'mention'; readonly text: string; readonly me: boolean };

/**
 * `text` cut at the `@username`s of `usernames` (lower case; others stay text); `me`
 * marks a mention of `myUsername`.
 */
export function splitMentions(
  text: string,
  usernames: ReadonlySet<string>,
  myUsername: string,
): MentionSegment[] {
  const segments: MentionSegment[] = [];
  let from = 0;
  for (const match of text.matchAll(MENTION)) {
    const name = (match[1] ?? '').toLowerCase();
    if (!usernames.has(name)) continue;
    if (match.index > from) segments.push({ kind: 'text', text: text.slice(from, match.index) });
    segments.push({ kind: 'mention', text: match[0], me: name === myUsername.toLowerCase() });
    from = match.index + match[0].length;
  }
  if (from < text.length) segments.push({ kind: 'text', text: text.slice(from) });
  return segments;
}
