import type { MessagesRepository } from './messages.repository';
import { mentionCandidates, resolveMentions } from '@scale-chat/contracts';

const memberKey = (roomId: string, userId: string) =>
  `${roomId.toLowerCase()}:${userId.toLowerCase()}`;

/** A body to find mentions in, and the room whose members it may name. */
export interface MentionSource {
  readonly roomId: string;
  readonly body: string;
}

/**
 * API.md v1.1: `mentions` from the rooms' current active members, read in the caller's
 * transaction (under the room locks, so as of the change). Only the usernames the bodies
 * could name are looked up: a body without `@` costs no query. Returns each source's
 * mentioned member ids.
 */
export async function readMentions(
  messages: MessagesRepository,
  sources: readonly MentionSource[],
): Promise<(source: MentionSource) => string[]> {
  const wanted = sources.flatMap((source) =>
    mentionCandidates(source.body).map((name) => ({ roomId: source.roomId, name })),
  );
  if (wanted.length === 0) return () => [];
  const rows = await messages.membersNamed(wanted);
  const byRoomAndName = new Map(rows.map((row) => [memberKey(row.room_id, row.name), row.user_id]));
  return (source) => {
    const prefix = memberKey(source.roomId, '');
    const names = new Map<string, string>();
    for (const [key, id] of byRoomAndName) {
      if (key.startsWith(prefix)) names.set(key.slice(prefix.length), id);
    }
    return resolveMentions(source.body, names);
  };
}
