import { useEffect, useId, useState } from 'react';
import { isLongMessage } from '../message-list';
import { linkify } from '../text/linkify';
import { splitMentions } from '../text/mentions';

/** Who can be mentioned in the room (usernames in lower case) and who is reading. */
export interface MentionContext {
  readonly usernames: ReadonlySet<string>;
  readonly myUsername: string;
}

/**
 * A message's text with its web links clickable (only http and https: linkify.ts), as React
 * elements, never HTML. A very long one is shown collapsed, with "Show more", unless
 * `reveal`: jumped to (a search result, a quote), where what was looked for may be far in.
 */
export function MessageBody({
  body,
  mentions,
  reveal = false,
}: {
  body: string;
  mentions?: MentionContext;
  reveal?: boolean;
}) {
  const id = useId();
  const long = isLongMessage(body);
  const [expanded, setExpanded] = useState(false);
  useEffect(() => {
    if (reveal) setExpanded(true);
  }, [reveal]);
  const collapsed = long && !expanded;
  const segments = linkify(body);
  return (
    <>
      {/* Its own direction, isolated, as are its links and mentions (styles.css): a
          right-to-left override in one cannot turn the text around it. */}
      <p className={collapsed ? 'bubble collapsed' : 'bubble'} id={id} dir="auto">
        {segments.map((segment, index) =>
          segment.kind === 'link' ? (
            <a key={index} href={segment.href} target="_blank" rel="noopener noreferrer" dir="auto">
              {segment.text}
            </a>
          ) : mentions === undefined ? (
            segment.text
          ) : (
            splitMentions(
              segment.text,
              mentions.usernames,
              mentions.myUsername,
              // A mention right after a link is judged as the server judges the whole body.
              segments[index - 1]?.text.slice(-1),
            ).map((part, at) =>
              part.kind === 'mention' ? (
                <mark
                  key={`${index}-${at}`}
                  className={part.me ? 'mention me' : 'mention'}
                  data-testid="mention"
                  dir="auto"
                >
                  {part.text}
                </mark>
              ) : (
                part.text
              ),
            )
          ),
        )}
      </p>
      {long && (
        <button
          type="button"
          className="link small show-more"
          aria-expanded={expanded}
          aria-controls={id}
          onClick={() => setExpanded((shown) => !shown)}
        >
          {expanded ? 'Show less' : 'Show more'}
        </button>
      )}
    </>
  );
}
