/** A piece of a search result's text: `hit` when it is what the query matched. */
export interface ExcerptPart {
  readonly text: string;
  readonly hit: boolean;
}

/** Characters shown of a message at most, and kept before its first match. */
export const EXCERPT = { length: 200, before: 60 } as const;
/** How far a cut moves to fall between words rather than inside one. */
const TO_A_SPACE = 15;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The part of `body` a search for `query` should show: all of it when it is short, else
 * about `EXCERPT.length` characters from a little before the first match, cut between words
 * where one is near, with "…" where something was left out; every match in it marked. The
 * server matches `ILIKE '%query%'` on the trimmed query; this marks the same text,
 * case-insensitively in any script. A body whose match is not found here (case rules
 * differ for a few letters) is shown from its start, unmarked.
 */
export function searchExcerpt(body: string, query: string): ExcerptPart[] {
  const needle = query.trim();
  const hits =
    needle === ''
      ? []
      : [...body.matchAll(new RegExp(escapeRegExp(needle), 'giu'))].map((match) => ({
          from: match.index,
          to: match.index + match[0].length,
        }));
  const first = hits[0];
  let start = 0;
  let end = body.length;
  if (body.length > EXCERPT.length) {
    if (first !== undefined && first.from > EXCERPT.before) {
      start = first.from - EXCERPT.before;
      const space = body.slice(start, start + TO_A_SPACE).search(/\s/u);
      if (space >= 0 && start + space < first.from) start += space + 1;
    }
    end = Math.min(body.length, start + EXCERPT.length);
    if (end < body.length) {
      const space = body.slice(end - TO_A_SPACE, end).search(/\s\S*$/u);
      if (space >= 0 && end - TO_A_SPACE + space >= (first?.to ?? 0))
        end = end - TO_A_SPACE + space;
    }
    start = codePointBoundary(body, start, 1);
    end = codePointBoundary(body, end, -1);
  }

  const parts: ExcerptPart[] = [];
  const add = (text: string, hit: boolean) => {
    if (text !== '') parts.push({ text, hit });
  };
  if (start > 0) add('…', false);
  let at = start;
  for (const hit of hits) {
    if (hit.to <= start || hit.from >= end) continue;
    const from = Math.max(hit.from, start);
    add(body.slice(at, from), false);
    at = Math.min(hit.to, end);
    add(body.slice(from, at), true);
  }
  add(body.slice(at, end), false);
  if (end < body.length) add('…', false);
  return parts;
}

/** `index`, or the next index in `direction` when it falls inside a surrogate pair. */
function codePointBoundary(text: string, index: number, direction: 1 | -1): number {
  const code = text.charCodeAt(index);
  const insidePair = code >= 0xdc00 && code <= 0xdfff && index > 0 && index < text.length;
  return insidePair ? index + direction : index;
}
