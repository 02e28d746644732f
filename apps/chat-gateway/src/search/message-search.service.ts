import { BadRequestException, Injectable } from '@nestjs/common';
import type { MessageView } from '@scale-chat/contracts';
import { RoomsRepository } from '../rooms/rooms.repository';
import { requireMember } from '../rooms/room-access';
import { messageView } from '../rooms/room-views';
import { MessageSearchRepository } from './message-search.repository';

export interface MessageSearch {
  readonly query: string;
  readonly roomId: string | undefined;
  readonly limit: number;
  readonly before: string | undefined;
}

/**
 * `query` as a LIKE pattern of a substring: its own `%`, `_` and `\` are literal, and a
 * word-final ς is σ, as the bodies are compared (SearchFoldsFinalSigma1768700000000).
 */
export function containsPattern(query: string): string {
  const escaped = query.replace(/[\\%_]/g, (character) => `\\${character}`);
  return `%${escaped.replaceAll('ς', 'σ')}%`;
}

/**
 * Messages whose body contains a text, in the caller's rooms, newest first. `ILIKE` on a
 * substring is what the trigram index (AddMessageSearch migration) serves; the planner
 * picks it, or the rooms' own (room, seq) index when the caller's rooms are few.
 * Newest first is by time, then room and `seq`: messages stored in one batch share their
 * time, and a room's `seq` keeps their order; `before` continues after that message.
 */
@Injectable()
export class MessageSearchService {
  constructor(
    private readonly searches: MessageSearchRepository,
    private readonly rooms: RoomsRepository,
  ) {}

  async search(
    userId: string,
    { query, roomId, limit, before }: MessageSearch,
  ): Promise<{ items: MessageView[]; hasMore: boolean }> {
    if (roomId !== undefined) await requireMember(this.rooms, roomId, userId);
    if (before !== undefined && !(await this.searches.isVisible(userId, before)))
      throw new BadRequestException('before is not a message of your rooms');
    const rows = await this.searches.search({
      userId,
      roomId: roomId ?? null,
      pattern: containsPattern(query),
      before: before ?? null,
      limit: limit + 1,
    });
    return { items: rows.slice(0, limit).map(messageView), hasMore: rows.length > limit };
  }
}
