import { BadRequestException, ForbiddenException, NotFoundException } from '@nestjs/common';
import type { MessageView } from '@scale-chat/contracts';
import { messageFixture } from '../testing/message-fixture';
import { memberKey, planSends, sendKey, type LockedState, type SendRequest } from './plan-sends';

const ROOM = 'aaaaaaaa-0000-4000-8000-000000000001';
const OTHER_ROOM = 'aaaaaaaa-0000-4000-8000-000000000002';
const GONE_ROOM = 'aaaaaaaa-0000-4000-8000-000000000003';
const ANN = 'bbbbbbbb-0000-4000-8000-000000000001';
const BOB = 'bbbbbbbb-0000-4000-8000-000000000002';

const send = (senderId: string, roomId: string, clientMsgId: string): SendRequest => ({
  senderId,
  roomId,
  clientMsgId,
  body: clientMsgId,
});

const original: MessageView = messageFixture({
  id: 'cccccccc-0000-4000-8000-000000000001',
  roomId: ROOM,
  seq: 4,
  senderId: ANN,
  body: 'stored before',
  clientMsgId: 'old',
});

const plan = (requests: readonly SendRequest[], locked: LockedState = state) => {
  const { plans, lastSeq, lastVersion } = planSends(requests, locked);
  return {
    plans,
    lastSeq: Object.fromEntries(lastSeq),
    lastVersion: Object.fromEntries(lastVersion),
  };
};

const state: LockedState = {
  lastSeq: new Map([
    [ROOM, 7],
    [OTHER_ROOM, 0],
  ]),
  // Seven messages and three changes to them in ROOM.
  lastVersion: new Map([
    [ROOM, 10],
    [OTHER_ROOM, 0],
  ]),
  members: new Set([memberKey(ROOM, ANN), memberKey(OTHER_ROOM, ANN), memberKey(OTHER_ROOM, BOB)]),
  stored: new Map([[sendKey(ROOM, ANN, 'old'), original]]),
};

describe('planSends', () => {
  it("numbers each room's new messages gaplessly, in the batch's order", () => {
    const { plans, lastSeq } = plan([
      send(ANN, ROOM, 'a'),
      send(BOB, OTHER_ROOM, 'b'),
      send(ANN, ROOM, 'c'),
      send(ANN, OTHER_ROOM, 'd'),
    ]);
    expect(plans.map((plan) => (plan.kind === 'insert' ? plan.seq : plan.kind))).toEqual([
      8, 1, 9, 2,
    ]);
    expect(lastSeq).toEqual({ [ROOM]: 9, [OTHER_ROOM]: 2 });
  });

  it("gives each new message its room's next version too, after the changes before it", () => {
    const { plans, lastVersion } = plan([
      send(ANN, ROOM, 'a'),
      send(BOB, OTHER_ROOM, 'b'),
      send(ANN, ROOM, 'old'),
      send(ANN, ROOM, 'c'),
    ]);
    expect(plans.map((plan) => (plan.kind === 'insert' ? plan.version : plan.kind))).toEqual([
      11,
      1,
      'original',
      12,
    ]);
    expect(lastVersion).toEqual({ [ROOM]: 12, [OTHER_ROOM]: 1 });
  });

  it('refuses a reply to a seq the room does not have, taking no seq or version', () => {
    const reply = (replyToSeq: number, clientMsgId: string) => ({
      ...send(ANN, ROOM, clientMsgId),
      replyToSeq,
    });
    const { plans, lastSeq, lastVersion } = plan([
      reply(7, 'to-the-newest'),
      reply(9, 'to-the-one-before-in-this-batch'),
      reply(10, 'to-nothing-yet'),
      reply(0, 'to-nothing'),
    ]);
    expect(plans[0]).toMatchObject({ kind: 'insert', seq: 8 });
    expect(plans[1]).toMatchObject({ kind: 'refused', error: expect.any(BadRequestException) });
    expect(plans[2]).toMatchObject({ kind: 'refused', error: expect.any(BadRequestException) });
    expect(plans[3]).toMatchObject({ kind: 'refused', error: expect.any(BadRequestException) });
    expect(lastSeq).toEqual({ [ROOM]: 8 });
    expect(lastVersion).toEqual({ [ROOM]: 11 });
    const chained = plan([send(ANN, ROOM, 'eight'), reply(8, 'replies-to-eight')]);
    expect(chained.plans[1]).toMatchObject({ kind: 'insert', seq: 9, version: 12 });
  });

  it('answers 404 for a room that is not active and 403 for a non-member, taking no seq', () => {
    const { plans, lastSeq } = plan([
      send(ANN, GONE_ROOM, 'a'),
      send(BOB, ROOM, 'b'),
      send(ANN, ROOM, 'c'),
    ]);
    expect(plans[0]).toMatchObject({ kind: 'refused', error: expect.any(NotFoundException) });
    expect(plans[1]).toMatchObject({ kind: 'refused', error: expect.any(ForbiddenException) });
    expect(plans[2]).toMatchObject({ kind: 'insert', seq: 8 });
    expect(lastSeq).toEqual({ [ROOM]: 8 });
  });

  it('answers a repeat of a stored clientMsgId with the original, and a repeat within the batch with its twin', () => {
    const { plans, lastSeq } = plan([
      send(ANN, ROOM, 'old'),
      send(ANN, ROOM, 'new'),
      send(ANN, ROOM, 'new'),
      send(ANN, OTHER_ROOM, 'new'),
    ]);
    expect(plans[0]).toEqual({ kind: 'original', message: original });
    expect(plans[1]).toMatchObject({ kind: 'insert', seq: 8 });
    expect(plans[2]).toEqual({ kind: 'twin', of: 1 });
    expect(plans[3]).toMatchObject({ kind: 'insert', seq: 1 }); // another room: not a repeat
    expect(lastSeq).toEqual({ [ROOM]: 8, [OTHER_ROOM]: 1 });
  });

  it('refuses a sender who is no member even for a repeat (one who left gets 403)', () => {
    const left: LockedState = { ...state, members: new Set() };
    const { plans } = plan([send(ANN, ROOM, 'old')], left);
    expect(plans[0]).toMatchObject({ kind: 'refused', error: expect.any(ForbiddenException) });
  });

  it('matches room and user ids whatever their case', () => {
    const { plans } = plan([send(ANN.toUpperCase(), ROOM.toUpperCase(), 'x')]);
    expect(plans[0]).toMatchObject({ kind: 'insert', seq: 8 });
  });
});
