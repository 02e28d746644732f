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

  it('restores the session with the packets after the offset that were meant for it', () => {
    const log = new RecoveryLog(120_000, clock);
    log.addPacket(10, ['m', 1, '10'], opts(['room-a']));
    log.addPacket(11, ['m', 2, '11'], opts(['room-b']));
    log.addPacket(12, ['m', 3, '12'], opts([]));
    log.addPacket(13, ['m', 4, '13'], opts(['room-a'], ['sid-1']));
    log.addPacket(14, ['m', 5, '14'], opts(['room-a', 'room-b']));
    log.addSession(session);

    expect(log.restore('pid-1', '10')).toEqual({
      ...session,
      missedPackets: [
        ['m', 3, '12'],
        ['m', 5, '14'],
      ],
    });
  });

  it('restores a session once', () => {
    const log = new RecoveryLog(120_000, clock);
    log.addPacket(1, ['m', '1'], opts([]));
    log.addSession(session);
    expect(log.restore('pid-1', '1')).toBeDefined();
    expect(log.restore('pid-1', '1')).toBeUndefined();
  });

  it('refuses unknown sessions, unknown offsets and expired sessions', () => {
    const log = new RecoveryLog(1_000, clock);
    log.addPacket(5, ['m', '5'], opts([]));
    log.addSession(session);
    expect(log.restore('pid-2', '5')).toBeUndefined();
    expect(log.restore('pid-1', '4')).toBeUndefined();
    expect(log.restore('pid-1', 'not-a-number')).toBeUndefined();
    now += 1_001;
    expect(log.restore('pid-1', '5')).toBeUndefined();
  });

  it('forgets packets and sessions older than the maximum disconnection', () => {
    const log = new RecoveryLog(1_000, clock);
    log.addPacket(1, ['a', '1'], opts([]));
    log.addSession(session);
    now += 600;
    log.addPacket(2, ['b', '2'], opts([]));
    now += 600;
    log.prune();
    expect(log.size).toEqual({ sessions: 0, packets: 1 });
  });
});
