/** A piece of a message body: plain text, or a web link to render as `<a>`. */
export type Segment =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'link'; readonly text: string; readonly href: string };

/**
 * Candidates only: each is parsed again with URL and kept only as http(s). A bare
 * "www." host counts too (as https), unless it is part of something longer: a word, a
 * longer host name, an address, a path.
 */
const CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+|(?<![\p{L}\p{N}_.@/\\-])www\.[^\s<>"'`]+/giu;
/** A bare www. host names a site: "www." then at least a name and a top-level domain. */
const WWW_HOST = /^www\.[^.]+\.[^.]+/u;
/** Punctuation that ends a sentence rather than a URL ("see https://x.org/a."). */
const TRAILING = /[.,;:!?…。、]+$/u;

/** Drops trailing punctuation, and a closing bracket that has no opening one in the URL. */
function trimUrl(raw: string): string {
  let url = raw;
  for (;;) {
    const before = url;
    url = url.replace(TRAILING, '');
    for (const [open, close] of [
      ['(', ')'],
      ['[', ']'],
      ['{', '}'],
    ] as const) {
      if (url.endsWith(close) && url.split(open).length < url.split(close).length)
        url = url.slice(0, -1);
    }
    if (url === before) return url;
  }
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
