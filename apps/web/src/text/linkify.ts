/** A piece of a message body: plain text, or a web link to render as `<a>`. */
export type Segment =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'link'; readonly text: string; readonly href: string };

/**
 * Candidates only: each is parsed again with URL and kept only as http(s). A bare
 * "www." host counts too (as https), unless it is part of something longer: a word, a
 * longer host name, an address, a path. A link ends before a bidi control (U+202E, the
 * right-to-left override, would show "gpj.exe" as "exe.jpg"). Every part before the
 * unbounded run is of bounded length and the run takes all it can, so finding candidates
 * is one pass over the body.
 */
const CANDIDATE =
  /\bhttps?:\/\/[^\s<>"'`\p{Bidi_Control}]+|(?<![\p{L}\p{N}_.@/\\-])www\.[^\s<>"'`\p{Bidi_Control}]+/giu;
/** A bare www. host names a site: "www." then at least a name and a top-level domain. */
const WWW_HOST = /^www\.[^.]+\.[^.]+/u;
/**
 * The longest candidate that may become a link (browsers take URLs of about this length
 * everywhere); a longer run stays text, so no work on a body is more than linear in it.
 */
export const LINK_MAX = 2_000;
/** Punctuation that ends a sentence rather than a URL ("see https://x.org/a."). */
const TRAILING = new Set('.,;:!?…。、');
/** Brackets a URL may hold in pairs: each opening one with its closing one. */
const BRACKETS = [
  ['(', ')'],
  ['[', ']'],
  ['{', '}'],
] as const;

/**
 * Drops trailing punctuation, and closing brackets that have no opening one in the URL:
 * the brackets counted once, then one pass back from the end.
 */
function trimUrl(raw: string): string {
  /** For each closing bracket: how many more of it than of its opening one. */
  const unopened = new Map<string, number>();
  for (const [open, close] of BRACKETS)
    unopened.set(close, raw.split(close).length - raw.split(open).length);
  let end = raw.length;
  for (; end > 0; end--) {
    const char = raw.charAt(end - 1);
    if (TRAILING.has(char)) continue;
    const count = unopened.get(char) ?? 0;
    if (count <= 0) break;
    unopened.set(char, count - 1);
  }
  return raw.slice(0, end);
}

/**
 * The link's target when `text` is an http or https URL, or a bare www. host (https
 * then), else undefined.
 */
function safeHref(text: string): string | undefined {
  const bare = /^www\./iu.test(text);
  try {
    const url = new URL(bare ? `https://${text}` : text);
    if (bare) return WWW_HOST.test(url.hostname) ? url.href : undefined;
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    // Not a URL after all (e.g. "http://"): it stays text.
    return undefined;
  }
}

/**
 * Splits a message body into text and links. Only http and https URLs written out in full,
 * and bare www. hosts (as https), become links, so no other scheme (javascript:, data:)
 * can ever be clicked; the result is
 * rendered as React elements, never as HTML, so nothing in a body is markup.
 */
export function linkify(body: string): Segment[] {
  const segments: Segment[] = [];
  let rest = 0;
  const push = (text: string) => {
    if (text === '') return;
    const last = segments.at(-1);
    if (last?.kind === 'text')
      segments[segments.length - 1] = { kind: 'text', text: last.text + text };
    else segments.push({ kind: 'text', text });
  };
  for (const match of body.matchAll(CANDIDATE)) {
    if (match[0].length > LINK_MAX) continue;
    const text = trimUrl(match[0]);
    const href = safeHref(text);
    if (href === undefined) continue;
    push(body.slice(rest, match.index));
    segments.push({ kind: 'link', text, href });
    rest = match.index + text.length;
  }
  push(body.slice(rest));
  return segments;
}
