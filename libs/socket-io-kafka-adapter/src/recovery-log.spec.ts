import { RecoveryLog } from './recovery-log';

const opts = (rooms: string[], except: string[] = []) => ({
  rooms: new Set(rooms),
  except: new Set(except),
});
const session = { sid: 'sid-1', pid: 'pid-1', rooms: ['sid-1', 'room-a'], data: { user: 'u1' } };

describe('RecoveryLog', () => {
  let now = 1_000;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000;
  });

  it('restores the session; what it missed is the packets after the offset meant for it', () => {
    const log = new RecoveryLog(120_000, clock);
    log.addPacket(10, ['m', 1, '10'], opts(['room-a']));
    log.addPacket(11, ['m', 2, '11'], opts(['room-b']));
    log.addPacket(12, ['m', 3, '12'], opts([]));
    log.addPacket(13, ['m', 4, '13'], opts(['room-a'], ['sid-1']));
    log.addPacket(14, ['m', 5, '14'], opts(['room-a', 'room-b']));
    log.addSession('node-a', session);

    expect(log.restore('pid-1', '10', 'node-b')).toEqual({
      ...session,
      origin: 'node-a',
      wasLive: false,
    });
    expect(log.packetsAfter(10, session.rooms)).toEqual([
      ['m', 3, '12'],
      ['m', 5, '14'],
    ]);
  });

  it('restores a session once', () => {
    const log = new RecoveryLog(120_000, clock);
    log.addPacket(1, ['m', '1'], opts([]));
    log.addSession('node-a', session);
    expect(log.restore('pid-1', '1', 'node-b')).toBeDefined();
    expect(log.restore('pid-1', '1', 'node-b')).toBeUndefined();
  });

  it('refuses unknown sessions, unknown offsets and expired sessions', () => {
    const log = new RecoveryLog(1_000, clock);
    log.addPacket(5, ['m', '5'], opts([]));
    log.addSession('node-a', session);
    expect(log.restore('pid-2', '5', 'node-b')).toBeUndefined();
    expect(log.restore('pid-1', '4', 'node-b')).toBeUndefined();
    expect(log.restore('pid-1', 'not-a-number', 'node-b')).toBeUndefined();
    now += 1_001;
    expect(log.restore('pid-1', '5', 'node-b')).toBeUndefined();
  });

  it('restores a socket whose rooms were quiet for longer than the window, when its instance had read past every dropped packet', () => {
    const log = new RecoveryLog(1_000, clock);
    log.addPacket(5, ['presence', '5'], opts(['sid-1']));
    log.addPacket(6, ['m', 'to another room', '6'], opts(['room-b']));
    now += 2_000;
    log.prune();
    log.addPacket(9, ['m', 'while away', '9'], opts(['room-a']));
    // Dropped with its instance at offset 8: it had 5, and nothing after it was for it.
    log.addSession('node-a', { ...session, position: 8 });
    expect(log.restore('pid-1', '5', 'node-b')).toMatchObject({ sid: 'sid-1' });
    expect(log.packetsAfter(5, session.rooms)).toEqual([['m', 'while away', '9']]);
  });

  it('refuses a quiet socket whose instance had not read every dropped packet, a live snapshot and an offset never given', () => {
    const log = new RecoveryLog(1_000, clock);
    log.addPacket(5, ['presence', '5'], opts(['sid-1']));
    log.addPacket(7, ['m', '7'], opts(['room-a']));
    now += 2_000;
    log.prune();
    // Its instance lagged: packet 7 may never have reached it, and is gone.
    log.addSession('node-a', { ...session, position: 6 });
    expect(log.restore('pid-1', '5', 'node-b')).toBeUndefined();
    log.addSession('node-a', { ...session, position: 7 });
    expect(log.restore('pid-1', '8', 'node-b')).toBeUndefined();
    expect(log.restore('pid-1', '-1', 'node-b')).toBeUndefined();
    log.addSnapshot('node-a', session);
    expect(log.restore('pid-1', '5', 'node-b')).toBeUndefined();
  });

  it('forgets packets and sessions older than the maximum disconnection', () => {
    const log = new RecoveryLog(1_000, clock);
    log.addPacket(1, ['a', '1'], opts([]));
    log.addSession('node-a', session);
    now += 600;
    log.addPacket(2, ['b', '2'], opts([]));
    now += 600;
    log.prune();
    expect(log.size).toEqual({ sessions: 0, packets: 1 });
  });

  it('restores a session again after its socket was refused, and never after one was admitted', () => {
    const log = new RecoveryLog(120_000, clock);
    log.addPacket(7, ['m', '7'], opts([]));
    log.addSession('node-a', session);
    expect(log.restore('pid-1', '7', 'node-b')).toMatchObject({ origin: 'node-a' });
    // Its middlewares refused it (an expired token): the next try may have it.
    expect(log.restore('pid-1', '7', 'node-b')).toBeUndefined();
    log.refused('pid-1');
    expect(log.restore('pid-1', '7', 'node-b')).toMatchObject({ origin: 'node-a' });
    log.admitted('pid-1');
    log.refused('pid-1');
    expect(log.restore('pid-1', '7', 'node-b')).toBeUndefined();
  });

  it('restores a live snapshot on another instance, never beside the live socket itself', () => {
    const log = new RecoveryLog(120_000, clock);
    log.addPacket(7, ['m', '7'], opts([]));
    log.addSnapshot('node-a', session);
    expect(log.restore('pid-1', '7', 'node-a')).toBeUndefined();
    expect(log.restore('pid-1', '7', 'node-b')).toMatchObject({ origin: 'node-a', wasLive: true });
  });

  it('keeps live snapshots until their instance ends them or is lost, then lets them expire', () => {
    const log = new RecoveryLog(1_000, clock);
    log.addSnapshot('node-a', session);
    log.addSnapshot('node-a', { ...session, pid: 'pid-2' });
    now += 5_000;
    log.prune();
    expect(log.size.sessions).toBe(2);
    log.endSession('node-x', 'pid-2');
    log.endSession('node-a', 'pid-2');
    expect(log.size.sessions).toBe(1);
    log.originLost('node-a');
    now += 1_001;
    log.prune();
    expect(log.size.sessions).toBe(0);
  });

  it("keeps a lost instance's live snapshots for good again once it is heard again, not its closed ones", () => {
    const log = new RecoveryLog(1_000, clock);
    log.addSnapshot('node-a', session);
    log.addSnapshot('node-b', { ...session, pid: 'pid-3' });
    log.originLost('node-a');
    log.originLost('node-b');
    // Dropped for not hearing the topic a while, then heard again: its sockets never left.
    log.originBack('node-a');
    now += 1_001;
    log.prune();
    expect(log.size.sessions).toBe(1);
    // A socket that left on its own (persisted) still expires after an origin comes back.
    log.addSession('node-a', { ...session, pid: 'pid-4' });
    log.originBack('node-a');
    now += 1_001;
    log.prune();
    expect(log.size.sessions).toBe(1);
  });

  it('gives the packets after an offset for given rooms, also when that offset itself is gone', () => {
    const log = new RecoveryLog(120_000, clock);
    log.addPacket(10, ['m', 1, '10'], opts(['room-a']));
    now += 60_000;
    log.addPacket(12, ['m', 2, '12'], opts(['room-b']));
    log.addPacket(15, ['m', 3, '15'], opts(['room-a'], ['sid-1']));
    log.addPacket(17, ['m', 4, '17'], opts([]));
    expect(log.packetsAfter(12, ['sid-1', 'room-a'])).toEqual([['m', 4, '17']]);
    expect(log.packetsAfter(11, ['room-a', 'room-b'])).toEqual([
      ['m', 2, '12'],
      ['m', 3, '15'],
      ['m', 4, '17'],
    ]);
    expect(log.packetsAfter(17, ['room-a'])).toEqual([]);
    now += 60_001;
    log.prune(); // offset 10 goes
    expect(log.packetsAfter(10, ['room-b'])).toEqual([
      ['m', 2, '12'],
      ['m', 4, '17'],
    ]);
  });

  it('holds what it was given as it was then, nested values and binary included', () => {
    const log = new RecoveryLog(120_000, clock);
    const payload = {
      body: 'hi',
      reactions: [{ emoji: '👍', userIds: ['u1'] }],
      bytes: Buffer.from([1, 2]),
    };
    const data: unknown[] = ['message:new', payload, '3'];
    log.addPacket(3, data, opts(['room-a']));
    payload.reactions.length = 0;
    data.length = 0;
    expect(log.packetsAfter(2, ['room-a'])).toEqual([
      [
        'message:new',
        { body: 'hi', reactions: [{ emoji: '👍', userIds: ['u1'] }], bytes: Buffer.from([1, 2]) },
        '3',
      ],
    ]);
  });
});
