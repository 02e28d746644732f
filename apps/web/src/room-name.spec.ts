import { roomAndSender, roomNameTooLong, roomTitle } from './room-name';

describe('roomNameTooLong', () => {
  it('takes 100 characters, trimmed, an emoji counted as one, and no more', () => {
    expect(roomNameTooLong(` ${'a'.repeat(100)} `)).toBe(false);
    expect(roomNameTooLong('🚀'.repeat(100))).toBe(false);
    expect(roomNameTooLong('a'.repeat(101))).toBe(true);
    expect(roomNameTooLong('🚀'.repeat(101))).toBe(true);
  });
});

describe('roomTitle', () => {
  const names = new Map([
    ['me', 'Me'],
    ['ji', '김지은'],
  ]);
  const nameOf = (id: string) => names.get(id);
  const members = [{ userId: 'me' }, { userId: 'ji' }];

  it('calls a group room by its name', () => {
    expect(roomTitle({ kind: 'group', name: 'Team' }, members, 'me', nameOf)).toBe('Team');
  });

  it('calls a direct room by the other person, whoever asked for it', () => {
    expect(roomTitle({ kind: 'direct', name: null }, members, 'me', nameOf)).toBe('김지은');
    expect(roomTitle({ kind: 'direct', name: null }, members, 'ji', nameOf)).toBe('Me');
  });

  it('calls a direct room whose other person deleted the account so', () => {
    expect(roomTitle({ kind: 'direct', name: null }, [{ userId: 'me' }], 'me', nameOf)).toBe(
      'Deleted account',
    );
  });

  it('has a placeholder while the members or the person are not known', () => {
    expect(roomTitle({ kind: 'direct', name: null }, undefined, 'me', nameOf)).toBe(
      'Direct message',
    );
    expect(
      roomTitle({ kind: 'direct', name: null }, [{ userId: 'me' }, { userId: 'x' }], 'me', nameOf),
    ).toBe('Direct message');
  });
});

describe('roomAndSender', () => {
  it('names the room and the sender', () => {
    expect(roomAndSender('Lunch', 'Ann')).toEqual(['Lunch', 'Ann']);
  });

  it('says a name once when the room is called by it (a direct room, their message)', () => {
    expect(roomAndSender('Ann 안나', 'Ann 안나')).toEqual(['Ann 안나']);
  });
});
