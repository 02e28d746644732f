import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { MessageView } from '@scale-chat/contracts';
import type { DataSource } from 'typeorm';
import { requireMember } from '../rooms/room-access';
import { MESSAGE_COLUMNS, messageView, type MessageRow } from '../rooms/room-views';

export interface MessageSearch {
  readonly query: string;
  readonly roomId: string | undefined;
  readonly limit: number;
  readonly before: string | undefined;
}

/** `query` as a LIKE pattern of a substring: its own `%`, `_` and `\` are literal. */
export function containsPattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
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
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async search(
    userId: string,
    { query, roomId, limit, before }: MessageSearch,
  ): Promise<{ items: MessageView[]; hasMore: boolean }> {
    if (roomId !== undefined) await requireMember(this.dataSource.manager, roomId, userId);
    if (before !== undefined) await this.requireVisible(userId, before);
    // A deleted message's body is "" already; the condition says so outright.
    const rows = (await this.dataSource.query(
      `SELECT ${MESSAGE_COLUMNS} FROM "messages" x
        WHERE x."room_id" IN (${CALLERS_ROOMS})
          AND ($2::uuid IS NULL OR x."room_id" = $2)
          AND x."body" ILIKE $3 ESCAPE '\\'
          AND x."deleted_at" IS NULL
          AND ($4::uuid IS NULL OR (x."created_at", x."room_id", x."seq") <
                (SELECT c."created_at", c."room_id", c."seq" FROM "messages" c WHERE c."id" = $4))
        ORDER BY x."created_at" DESC, x."room_id" DESC, x."seq" DESC
        LIMIT $5`,
      [userId, roomId ?? null, containsPattern(query), before ?? null, limit + 1],
    )) as MessageRow[];
    return { items: rows.slice(0, limit).map(messageView), hasMore: rows.length > limit };
  }

  /**
   * `before` must be a message the caller can see: one of its rooms'. (Compared in SQL,
   * not read out: a JavaScript Date would lose the microseconds of its time.)
   */
  private async requireVisible(userId: string, before: string): Promise<void> {
    const [visible] = (await this.dataSource.query(
      `SELECT 1 FROM "messages" x WHERE x."id" = $2 AND x."room_id" IN (${CALLERS_ROOMS})`,
      [userId, before],
    )) as unknown[];
    if (visible === undefined)
      throw new BadRequestException('before is not a message of your rooms');
  }
}

/** The active rooms the user ($1) is an active member of. */
const CALLERS_ROOMS = `SELECT m."room_id" FROM "room_members" m
    JOIN "rooms" r ON r."id" = m."room_id" AND r."status" = 'active'
   WHERE m."user_id" = $1 AND m."status" = 'active'`;
