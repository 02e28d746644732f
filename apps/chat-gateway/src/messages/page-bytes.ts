/**
 * What one page of messages (`sync`, `GET …/messages`, `GET …/changes`) may hold, as
 * JSON, at most; a single message goes whatever its size. 500 messages may be far more:
 * a body of 4,000 control characters is 24 KB of JSON (each one `\u0001`), and one
 * message's reactions by a full room some 800 KB. A page cut short says `hasMore`, as API.md
 * lets any page, and the client asks for the rest.
 */
export const PAGE_BYTES_MAX = 1_048_576;

/** The longest head of `items` whose JSON stays within `maxBytes`; never empty unless `items` is. */
export function withinPageBytes<T>(items: readonly T[], maxBytes = PAGE_BYTES_MAX): T[] {
  let bytes = 0;
  let count = 0;
  for (const item of items) {
    // One separator a message, and the message.
    bytes += 1 + Buffer.byteLength(JSON.stringify(item));
    if (bytes > maxBytes && count > 0) break;
    count += 1;
  }
  return items.slice(0, count);
}
