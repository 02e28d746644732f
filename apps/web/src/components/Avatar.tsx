import { Fragment } from 'react';
import type { User } from '../validate';

export function displayNameOf(user: User | undefined, fallbackId = ''): string {
  return user?.displayName ?? (fallbackId === '' ? 'Unknown' : `user ${fallbackId.slice(0, 8)}`);
}

/** Tailwind's 600–700 shades: white initials on each are ≥ 4.5:1 (WCAG AA). */
const PALETTE = ['#4f46e5', '#0369a1', '#0f766e', '#b45309', '#be185d', '#7c3aed', '#15803d'];

/** By the account, not its name: someone who takes another's name does not get their colour. */
function colorOf(userId: string): string {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return PALETTE[hash % PALETTE.length] ?? '#4f46e5';
}

/**
 * Initials in a colored circle, with a presence dot: green online, grey offline, none
 * while unknown (presence arrives only as it changes, API.md has no "who is online").
 */
export function Avatar({
  name,
  userId,
  online,
  small = false,
}: {
  name: string;
  userId: string;
  online?: boolean | undefined;
  small?: boolean;
}) {
  const initial = [...name.trim()][0]?.toUpperCase() ?? '?';
  return (
    <span
      className={small ? 'avatar small' : 'avatar'}
      style={{ background: colorOf(userId) }}
      aria-hidden="true"
    >
      {initial}
      {online !== undefined && (
        <span className={online ? 'dot online' : 'dot offline'} data-presence={String(online)} />
      )}
    </span>
  );
}

/**
 * Names in a sentence, each kept to itself (`<bdi>`): a right-to-left override in one
 * cannot turn the next around.
 */
export function Names({
  names,
  separator = ', ',
}: {
  names: readonly string[];
  separator?: string;
}) {
  return names.map((name, index) => (
    <Fragment key={index}>
      {index > 0 && separator}
      <bdi>{name}</bdi>
    </Fragment>
  ));
}

export function PresenceLabel({ online }: { online: boolean | undefined }) {
  if (online === undefined) return null;
  return <span className="sr-only">{online ? ' (online)' : ' (offline)'}</span>;
}
