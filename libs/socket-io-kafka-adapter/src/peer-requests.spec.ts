import { AckCollector, PeerRequest } from './peer-requests';

describe('PeerRequest', () => {
  it('settles with every answer once each peer has answered', () => {
    const done = jest.fn();
    const request = new PeerRequest(['b', 'c'], ['local'], 5_000, done);
    request.answer('b', ['from-b']);
    expect(done).not.toHaveBeenCalled();
    request.answer('c', ['from-c']);
    expect(done).toHaveBeenCalledWith(['local', 'from-b', 'from-c'], []);
  });

  it('settles without a peer that is lost, and ignores strangers and repeats', () => {
    const done = jest.fn();
    const request = new PeerRequest<string>(['b', 'c'], [], 5_000, done);
    request.answer('x', ['stranger']);
    request.answer('b', ['from-b']);
    request.answer('b', ['again']);
    request.peerLost('c');
    expect(done).toHaveBeenCalledWith(['from-b'], []);
  });

  it('settles at the timeout naming the peers that did not answer', () => {
    jest.useFakeTimers();
    const done = jest.fn();
    new PeerRequest<number>(['b', 'c'], [], 1_000, done).answer('b', [1]);
    jest.advanceTimersByTime(1_000);
    expect(done).toHaveBeenCalledWith([1], ['c']);
    jest.useRealTimers();
  });

  it('settles at once when there is nobody to ask', () => {
    const done = jest.fn();
    new PeerRequest([], ['local'], 1_000, done);
    expect(done).toHaveBeenCalledWith(['local'], []);
  });
});

describe('AckCollector', () => {
  it("passes a node's count on only after all of its acks", () => {
    const counts: number[] = [];
    const acks: unknown[] = [];
    const collector = new AckCollector(
      ['a', 'b'],
      (count) => counts.push(count),
      (value) => acks.push(value),
    );
    collector.count('a', 2);
    collector.acked('a', 'a1');
    expect(counts).toEqual([]);
    collector.acked('a', 'a2');
    expect(counts).toEqual([2]);
    collector.count('b', 0);
    expect(counts).toEqual([2, 0]);
    expect(acks).toEqual(['a1', 'a2']);
  });

  it('counts a lost node with the acks it delivered, and ignores it afterwards', () => {
    const counts: number[] = [];
    const acks: unknown[] = [];
    const collector = new AckCollector(
      ['a', 'b'],
      (count) => counts.push(count),
      (value) => acks.push(value),
    );
    collector.count('b', 3);
    collector.acked('b', 'b1');
    collector.nodeLost('b');
    collector.acked('b', 'late');
    expect(counts).toEqual([1]);
    expect(acks).toEqual(['b1']);
    collector.nodeLost('a');
    expect(counts).toEqual([1, 0]);
  });
});
