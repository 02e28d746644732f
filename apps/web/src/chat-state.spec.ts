import type { RoomView } from '@scale-chat/contracts';
import { DELETED_ACCOUNT, nameOfUser, personOf, titleOfRoom } from './chat-state';
import type { User } from './validate';

const user = (id: string, username: string, displayName: string): User => ({
  id,
  username,
  displayName,
  status: 'active',
  createdAt: '2026-12-05T00:00:00.000Z',
});

const room = (id: string, kind: RoomView['kind'], memberIds: readonly string[]): RoomView => ({
  id,
  kind,
  name: kind === 'group' ? 'Team' : null,
  ownerId: 'me',
  members: memberIds.map((userId) => ({
    userId,
    role: 'member',
    joinedAt: '2026-12-05T00:00:00.000Z',
    online: false,
    lastReadSeq: 0,
  })),
  lastSeq: 0,
  lastVersion: 0,
  createdAt: '2026-12-05T00:00:00.000Z',
});

describe('names of people who share a display name', () => {
  const users = new Map(
    [
      user('me', 'me', 'Me'),
      user('alice', 'alice', 'Alice'),
      user('fake', 'alice_x', 'alice '),
      user('bob', 'bob', 'Bob'),
    ].map((person) => [person.id, person]),
  );
  const direct = room('dm', 'direct', ['me', 'fake']);
  const team = room('team', 'group', ['me', 'alice', 'bob']);
  const stateWith = (rooms: readonly RoomView[]) => ({
    users,
    deletedUsers: new Set(['gone']),
    details: new Map(rooms.map((details) => [details.id, details])),
    rooms: [],
  });

  it('calls a direct room by the other person, with the username once someone else in a room has that name', () => {
    expect(titleOfRoom(stateWith([direct]), 'dm', 'me')).toBe('alice ');
    expect(titleOfRoom(stateWith([direct, team]), 'dm', 'me')).toBe(
      '\u2068alice \u2069 (@alice_x)',
    );
  });

  it("adds the username to a shared name wherever it is said, not to anyone else's", () => {
    const state = stateWith([direct, team]);
    expect(nameOfUser(state, 'alice')).toBe('\u2068Alice\u2069 (@alice)');
    expect(nameOfUser(state, 'bob')).toBe('Bob');
    expect(nameOfUser(state, 'gone')).toBe(DELETED_ACCOUNT);
    expect(nameOfUser(state, 'unknown-id')).toBe('user unknown-');
  });

  it('gives the username of a known account only', () => {
    const state = stateWith([team]);
    expect(personOf(state, 'alice')).toEqual({ name: 'Alice', username: 'alice' });
    expect(personOf(state, 'gone')).toEqual({ name: DELETED_ACCOUNT, username: undefined });
  });
});
