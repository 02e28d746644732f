import { randomUUID } from 'node:crypto';
import { parseRoomCreated } from './room-events.parsers';

const member = (fields: Record<string, unknown> = {}) => ({
  userId: randomUUID(),
  role: 'member',
  joinedAt: '2026-12-04T12:00:00.000Z',
  ...fields,
});
const room = (fields: Record<string, unknown>) => ({
  id: randomUUID(),
  name: 'Lunch',
  ownerId: randomUUID(),
  members: [member()],
  lastSeq: 0,
  createdAt: '2026-12-04T12:00:00.000Z',
  ...fields,
});

describe('room.created as the gateways read it (v1.1 kind, member presence and cursors)', () => {
  it('reads a direct room, its null name and its members with presence and read cursors', () => {
    const data = {
      room: room({
        kind: 'direct',
        name: null,
        members: [member({ online: true, lastReadSeq: 4 })],
      }),
    };
    expect(parseRoomCreated(data).room).toMatchObject({
      kind: 'direct',
      name: null,
      members: [{ online: true, lastReadSeq: 4 }],
    });
  });

  it('reads an event written before v1.1 as a group with members offline and nothing read', () => {
    expect(parseRoomCreated({ room: room({}) }).room).toMatchObject({
      kind: 'group',
      name: 'Lunch',
      members: [{ online: false, lastReadSeq: 0 }],
    });
  });

  it('refuses an unknown kind, a group without a name and members with bad fields', () => {
    const bad = [
      room({ kind: 'channel' }),
      room({ kind: 'group', name: null }),
      room({ members: [member({ online: 'yes' })] }),
      room({ members: [member({ lastReadSeq: -1 })] }),
    ];
    for (const value of bad) expect(() => parseRoomCreated({ room: value })).toThrow();
  });
});
