import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { SERVICE_CONFIG, sqlStateOf } from '@scale-chat/platform';
import type { EntityManager } from 'typeorm';
import type { ChatConfig } from '../chat-config';
import { MESSAGE_COLUMNS, type MessageRow } from '../rooms/room-views';

/** PostgreSQL's `query_canceled`: here, the search's statement_timeout passed. */
const QUERY_CANCELED = '57014';

/** The active rooms the user ($1) is an active member of. */
const CALLERS_ROOMS = `SELECT m."room_id" FROM "room_members" m
    JOIN "rooms" r ON r."id" = m."room_id" AND r."status" = 'active'
   WHERE m."user_id" = $1 AND m."status" = 'active'`;

/** What a search asks for, as its SQL takes it. */
export interface SearchQuery {
  readonly userId: string;
  readonly roomId: string | null;
  /** A LIKE pattern (`containsPattern`). */
  readonly pattern: string;
  readonly before: string | null;
  readonly limit: number;
}

/** Message search's SQL: the trigram-served `ILIKE` over the caller's rooms. */
@Injectable()
export class MessageSearchRepository {
  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    @Inject(SERVICE_CONFIG) private readonly config: ChatConfig,
  ) {}

  /**
   * Up to `limit` matches, newest first; a deleted message's body is "" already, and the
   * condition says so outright. A search that runs past SEARCH_STATEMENT_TIMEOUT_MS (a
   * rare short text walks much of the table) is cancelled by PostgreSQL and answered 503,
   * so a few such searches at once cannot hold the pool's connections for long.
   */
  async search(query: SearchQuery): Promise<MessageRow[]> {
    try {
      return await this.manager.transaction(async (manager) => {
        // As SET LOCAL: the timeout ends with the transaction, not with the pooled connection.
        await manager.query(`SELECT set_config('statement_timeout', $1, true)`, [
          String(this.config.extra.SEARCH_STATEMENT_TIMEOUT_MS),
        ]);
        return this.matches(manager, query);
      });
    } catch (error) {
      if (sqlStateOf(error) !== QUERY_CANCELED) throw error;
      throw new ServiceUnavailableException(
        'The search took too long; try a longer text, or search one room',
      );
    }
  }

  private async matches(
    manager: EntityManager,
    { userId, roomId, pattern, before, limit }: SearchQuery,
  ): Promise<MessageRow[]> {
    return (await manager.query(
      `SELECT ${MESSAGE_COLUMNS} FROM "messages" x
        WHERE x."room_id" IN (${CALLERS_ROOMS})
          AND ($2::uuid IS NULL OR x."room_id" = $2)
          AND translate(x."body", 'ς', 'σ') ILIKE $3 ESCAPE '\\'
          AND x."deleted_at" IS NULL
          AND ($4::uuid IS NULL OR (x."created_at", x."room_id", x."seq") <
                (SELECT c."created_at", c."room_id", c."seq" FROM "messages" c WHERE c."id" = $4))
        ORDER BY x."created_at" DESC, x."room_id" DESC, x."seq" DESC
        LIMIT $5`,
      [userId, roomId, pattern, before, limit],
    )) as MessageRow[];
  }

  /**
   * Whether the message is one the user can see: one of its rooms'. (Compared in SQL, not
   * read out: a JavaScript Date would lose the microseconds of its time.)
   */
  async isVisible(userId: string, messageId: string): Promise<boolean> {
    const [visible] = (await this.manager.query(
      `SELECT 1 FROM "messages" x WHERE x."id" = $2 AND x."room_id" IN (${CALLERS_ROOMS})`,
      [userId, messageId],
    )) as unknown[];
    return visible !== undefined;
  }
}
