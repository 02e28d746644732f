import type { MessageView, SocketAck } from './chat';

/**
 * API.md "Additions, v1.1": every change to a room's messages (a send, an edit, a
 * deletion, a reaction added or removed) takes the room's next `version`. The changes
 * other than sends travel on `chat.room-events` (keyed by room id, so in version order
 * with `message.sent`) as the events below.
 */
export const MESSAGE_CHANGE_LIMITS = {
  /** Different emoji on one message. */
  reactionsMax: 20,
  changesDefault: 100,
  changesMax: 500,
} as const;

/** One emoji on a message and who reacted with it, first reactor first. */
export interface ReactionView {
  readonly emoji: string;
  readonly userIds: readonly string[];
}

export const MESSAGE_CHANGE_TYPES = {
  messageEdited: 'message.edited',
  messageDeleted: 'message.deleted',
  reactionAdded: 'reaction.added',
  reactionRemoved: 'reaction.removed',
} as const;

export type MessageChangeType = (typeof MESSAGE_CHANGE_TYPES)[keyof typeof MESSAGE_CHANGE_TYPES];

/**
 * The data of each of MESSAGE_CHANGE_TYPES: the message as the change left it (its
 * `version` the change's), who made the change and, for reactions, the emoji.
 */
export interface MessageChanged {
  readonly message: MessageView;
  readonly userId: string;
  readonly emoji?: string;
}

export interface EditMessagePayload {
  readonly roomId: string;
  readonly seq: number;
  readonly body: string;
}
export interface MessageRefPayload {
  readonly roomId: string;
  readonly seq: number;
}
export interface ReactionPayload extends MessageRefPayload {
  readonly emoji: string;
}
export interface SyncByVersionPayload {
  readonly roomId: string;
  readonly afterVersion: number;
  readonly limit?: number;
}

export type MessageAck = (answer: SocketAck<{ message: MessageView }>) => void;

/** `GET /api/rooms/:id/changes` and `sync` by `afterVersion`. */
export interface ChangesPage {
  readonly items: MessageView[];
  readonly hasMore: boolean;
  readonly lastVersion: number;
}
