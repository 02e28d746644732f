import { ScrollPlaces } from './scroll-places';

describe('ScrollPlaces', () => {
  const place = { anchor: { seq: 12, offset: -30 }, lastSeq: 40 };

  it('gives a room its place back for the user who left it there', () => {
    const places = new ScrollPlaces();
    places.keep('ann', 'room-1', place);
    expect(places.of('ann', 'room-1')).toEqual(place);
    expect(places.of('ann', 'room-2')).toBeUndefined();
    places.keep('ann', 'room-1', undefined);
    expect(places.of('ann', 'room-1')).toBeUndefined();
  });

  it('never gives another user of the tab the places of the one before', () => {
    const places = new ScrollPlaces();
    places.keep('ann', 'room-1', place);
    expect(places.of('ben', 'room-1')).toBeUndefined();
    // Ben leaves a room somewhere: Ann's places go, coming back to her does not find them.
    places.keep('ben', 'room-2', place);
    expect(places.of('ann', 'room-1')).toBeUndefined();
    expect(places.of('ben', 'room-2')).toEqual(place);
  });

  it('forgets every place when the session ends', () => {
    const places = new ScrollPlaces();
    places.keep('ann', 'room-1', place);
    places.forget();
    expect(places.of('ann', 'room-1')).toBeUndefined();
  });
});
