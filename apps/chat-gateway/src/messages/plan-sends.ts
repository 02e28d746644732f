import { randomUUID } from 'node:crypto';
import { BadRequestException } from '@nestjs/common';
import type { MessageView } from '@scale-chat/contracts';
import { notAMember, roomNotFound } from '../rooms/room-access';

/** One `message:send` or `POST …/messages`, as the batch stores it. */
export interface SendRequest {
  readonly senderId: string;
  readonly roomId: string;
  readonly clientMsgId: string;
  readonly body: string;
  /** API.md v1.1: the `seq` of the message of the same room this one replies to. */
  readonly replyToSeq?: number;
  /** The correlation id of the request or event that sent it, carried by its event. */
  readonly correlationId?: string;
}

/** What the batch read under its rooms' locks. Room and user ids in lower case. */
export interface LockedState {
  /** `last_seq` of every active room of the batch. */
  readonly lastSeq: ReadonlyMap<string, number>;
  /** `last_version` of the same rooms. */
  readonly lastVersion: ReadonlyMap<string, number>;
  /** `room:user` of every active member among the batch's senders. */
  readonly members: ReadonlySet<string>;
  /** Messages already stored under a `room:sender:clientMsgId` of the batch. */
  readonly stored: ReadonlyMap<string, MessageView>;
}

export type SendPlan =
  | {
      readonly kind: 'insert';
      readonly id: string;
      readonly seq: number;
      readonly version: number;
    }
  | { readonly kind: 'original'; readonly message: MessageView }
  /** A repeat of an earlier item of the same batch: it answers with what that one stored. */
  | { readonly kind: 'twin'; readonly of: number }
  | { readonly kind: 'refused'; readonly error: Error };

const notAReply = () => new BadRequestException('replyToSeq is not a message of this room');

export const memberKey = (roomId: string, userId: string) =>
  `${roomId.toLowerCase()}:${userId.toLowerCase()}`;
export const sendKey = (roomId: string, senderId: string, clientMsgId: string) =>
  `${memberKey(roomId, senderId)}:${clientMsgId}`;

/**
 * Decides each item of a batch in order, as if each were its own transaction: a room
 * that is not active is 404, a sender who is not an active member 403 (before looking for
 * a repeat, so one who left gets 403 even for a repeat), a repeated `clientMsgId` answers
 * with the original, a reply to a `seq` the room does not have (yet) is 400, and each new
 * message takes its room's next `seq` and next `version` (API.md v1.1: a send is a change
 * too). Returns the plans and the rooms' new `last_seq` and `last_version`.
 */
export function planSends(
  requests: readonly SendRequest[],
  state: LockedState,
): { plans: SendPlan[]; lastSeq: Map<string, number>; lastVersion: Map<string, number> } {
  const lastSeq = new Map<string, number>();
  const lastVersion = new Map<string, number>();
  const firstOfKey = new Map<string, number>();
  const plans = requests.map((request, index): SendPlan => {
    const room = request.roomId.toLowerCase();
    const current = lastSeq.get(room) ?? state.lastSeq.get(room);
    const version = lastVersion.get(room) ?? state.lastVersion.get(room);
    if (current === undefined || version === undefined)
      return { kind: 'refused', error: roomNotFound() };
    if (!state.members.has(memberKey(room, request.senderId)))
      return { kind: 'refused', error: notAMember() };
    const key = sendKey(room, request.senderId, request.clientMsgId);
    const original = state.stored.get(key);
    if (original !== undefined) return { kind: 'original', message: original };
    const twin = firstOfKey.get(key);
    if (twin !== undefined) return { kind: 'twin', of: twin };
    const { replyToSeq } = request;
    if (replyToSeq !== undefined && (replyToSeq < 1 || replyToSeq > current))
      return { kind: 'refused', error: notAReply() };
    firstOfKey.set(key, index);
    lastSeq.set(room, current + 1);
    lastVersion.set(room, version + 1);
    return { kind: 'insert', id: randomUUID(), seq: current + 1, version: version + 1 };
  });
  return { plans, lastSeq, lastVersion };
}
