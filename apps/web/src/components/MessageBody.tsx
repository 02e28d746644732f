import { useId, useState } from 'react';
import { isLongMessage } from '../message-list';
import { linkify } from '../text/linkify';

/**
 * A message's text with its web links clickable (only http and https: linkify.ts), as React
 * elements, never HTML. A very long one is shown collapsed, with "Show more".
 */
export function MessageBody({ body }: { body: string }) {
  const id = useId();
  const long = isLongMessage(body);
  const [expanded, setExpanded] = useState(false);
  const collapsed = long && !expanded;
  return (
    <>
      <p className={collapsed ? 'bubble collapsed' : 'bubble'} id={id}>
        {linkify(body).map((segment, index) =>
          segment.kind === 'link' ? (
            <a key={index} href={segment.href} target="_blank" rel="noopener noreferrer">
              {segment.text}
            </a>
          ) : (
            segment.text
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
