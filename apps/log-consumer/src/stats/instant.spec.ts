import { isInstant } from './instant';

describe('isInstant', () => {
  it.each([
    '2026-12-06T09:30:00Z',
    '2026-12-06T09:30Z',
    '2026-12-06t09:30:00.123456z',
    '2026-12-06T09:30:00+09:00',
    '2024-02-29T00:00:00-05:30',
    '2026-01-05',
    // A leap day of year 4 (Date.UTC would read it as 1904's).
    '0004-02-29T00:00:00Z',
    '0001-01-01',
    '9999-12-31T23:59:59Z',
  ])('takes %s', (value) => {
    expect(isInstant(value)).toBe(true);
  });

  it.each([
    ['a week date', '2026-W02-1'],
    ['an ordinal date', '2026-005'],
    ['a basic-format time', '20260105T100000Z'],
    ['an hour alone', '2026-01-05T10Z'],
    ['no offset (read in the server zone)', '2026-01-05T10:00:00'],
    ['a 13th month', '2026-13-01T00:00:00Z'],
    ['a 31st of April, alone', '2026-04-31'],
    ['a 30th of February', '2026-02-30T00:00:00Z'],
    ['a 29th of February in a common year', '2026-02-29T00:00:00Z'],
    ['hour 24', '2026-01-05T24:00:00Z'],
    ['a leap second', '2026-12-31T23:59:60Z'],
    ['an offset of 24 hours', '2026-01-05T10:00:00+24:00'],
    ['year 0, which PostgreSQL has not', '0000-01-01'],
    ['an offset that takes it before year 1', '0001-01-01T00:00:00+01:00'],
    ['an offset that takes it past year 9999', '9999-12-31T23:59-23:59'],
    ['words', 'yesterday'],
    ['a number', 1_767_600_000_000],
  ])('refuses %s', (_case, value) => {
    expect(isInstant(value)).toBe(false);
  });
});
