import { useCallback, useEffect, useState } from 'react';
import type { ApiClient } from '../api';
import { ApiError, describeError } from '../api-error';
import {
  isBucket,
  isStatsSummary,
  isWordCount,
  listOf,
  type StatsSummary,
  type User,
} from '../validate';

interface Stats {
  readonly summary: StatsSummary;
  /** The window of `perMinute`, in epoch milliseconds. */
  readonly from: number;
  readonly to: number;
  readonly perMinute: readonly { t: string; count: number }[];
  readonly words: readonly { word: string; count: number }[];
}

type Load =
  | { kind: 'loading' }
  | { kind: 'error'; message: string; refused: boolean }
  | { kind: 'ok'; stats: Stats };

const WINDOW_MINUTES = 60;

const refusal = (error: unknown) => error instanceof ApiError && error.status === 403;

function explain(error: unknown): string {
  return refusal(error) ? 'Only administrators may see the statistics.' : describeError(error);
}

/** API.md's stats (log-consumer): a summary, messages per minute, the top words. */
export function AdminPage({ api, user }: { api: ApiClient; user: User }) {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });

  const refresh = useCallback(async () => {
    const to = new Date();
    const from = new Date(to.getTime() - WINDOW_MINUTES * 60_000);
    const range = new URLSearchParams({
      bucket: 'minute',
      from: from.toISOString(),
      to: to.toISOString(),
    });
    try {
      const [summary, perMinute, words] = await Promise.all([
        api.get('/api/stats/summary', isStatsSummary),
        api.get(`/api/stats/messages?${range.toString()}`),
        api.get('/api/stats/top-words?window=1h&limit=10'),
      ]);
      setLoad({
        kind: 'ok',
        stats: {
          summary,
          from: from.getTime(),
          to: to.getTime(),
          perMinute: listOf(perMinute, isBucket).items,
          words: listOf(words, isWordCount).items,
        },
      });
    } catch (error) {
      setLoad({ kind: 'error', message: explain(error), refused: refusal(error) });
    }
  }, [api]);

  useEffect(() => {
    void refresh();
  }, [refresh]);
  // Kept fresh every 15 s, but not once refused: asking again would only be refused again.
  const refused = load.kind === 'error' && load.refused;
  useEffect(() => {
    if (refused) return;
    const timer = setInterval(() => void refresh(), 15_000);
    return () => clearInterval(timer);
  }, [refresh, refused]);

  return (
    <main className="admin">
      <header className="admin-head">
        <a href="#/" className="secondary button-link">
          ‹ Back to chat
        </a>
        <h1>Statistics</h1>
        <span className="muted">@{user.username}</span>
      </header>
      {load.kind === 'loading' && <p className="muted">Loading statistics…</p>}
      {load.kind === 'error' && (
        <div className="card error-state" role="alert" data-testid="stats-error">
          <h2>Statistics unavailable</h2>
          <p>{load.message}</p>
          {load.refused ? (
            <a href="#/" className="primary button-link">
              Back to chat
            </a>
          ) : (
            <button
              type="button"
              className="primary"
              onClick={() => {
                setLoad({ kind: 'loading' });
                void refresh();
              }}
            >
              Try again
            </button>
          )}
        </div>
      )}
      {load.kind === 'ok' && <StatsView stats={load.stats} />}
    </main>
  );
}

function StatsView({ stats }: { stats: Stats }) {
  const cards: [string, number][] = [
    ['Users', stats.summary.users],
    ['Rooms', stats.summary.rooms],
    ['Messages', stats.summary.messages],
    ['Messages, last hour', stats.summary.messagesLastHour],
    ['Signups today', stats.summary.signupsToday],
  ];
  return (
    <>
      <section className="cards" aria-label="Summary">
        {cards.map(([label, value]) => (
          <div className="card stat" key={label}>
            <span className="muted small">{label}</span>
            <strong>{value.toLocaleString()}</strong>
          </div>
        ))}
      </section>
      <section className="card" aria-labelledby="per-minute">
        <h2 id="per-minute">Messages per minute (last hour)</h2>
        <MinuteChart items={stats.perMinute} from={stats.from} to={stats.to} />
      </section>
      <section className="card" aria-labelledby="top-words">
        <h2 id="top-words">Top words (last hour)</h2>
        <WordBars items={stats.words} />
      </section>
    </>
  );
}

function MinuteChart({
  items,
  from,
  to,
}: {
  items: readonly { t: string; count: number }[];
  from: number;
  to: number;
}) {
  const buckets = items
    .map((item) => ({ time: Date.parse(item.t), count: item.count }))
    .filter((item) => Number.isFinite(item.time) && item.count > 0);
  if (buckets.length === 0) return <p className="muted">No messages in the last hour.</p>;
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...buckets.map((item) => item.count));
  // Placed by time over the window, so minutes without messages stay empty.
  const span = Math.max(1, to - from);
  const barWidth = (width * 60_000) / span;
  const clock = (time: number) =>
    new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label="Messages per minute">
        {buckets.map((item) => {
          const barHeight = (item.count / max) * height;
          return (
            <rect
              key={item.time}
              x={((item.time - from) / span) * width}
              y={height - barHeight}
              width={Math.max(1, barWidth - 2)}
              height={barHeight}
              rx={2}
            >
              <title>{`${clock(item.time)}: ${item.count}`}</title>
            </rect>
          );
        })}
        <line x1={0} x2={width} y1={height} y2={height} className="axis" />
        <text x={0} y={height + 16} className="axis-label">
          {clock(from)}
        </text>
        <text x={width} y={height + 16} className="axis-label" textAnchor="end">
          {clock(to)}
        </text>
      </svg>
      <figcaption className="muted small">Peak: {max} messages in a minute</figcaption>
    </figure>
  );
}

function WordBars({ items }: { items: readonly { word: string; count: number }[] }) {
  if (items.length === 0) return <p className="muted">No words yet.</p>;
  const max = Math.max(1, ...items.map((item) => item.count));
  return (
    <ol className="word-bars">
      {items.map((item) => (
        <li key={item.word}>
          <span className="word">{item.word}</span>
          <span className="bar" style={{ width: `${(item.count / max) * 100}%` }} />
          <span className="count">{item.count}</span>
        </li>
      ))}
    </ol>
  );
}
