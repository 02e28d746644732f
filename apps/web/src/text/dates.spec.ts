import { dayKey, dayLabel, formatTime, fullDate, startsDay } from './dates';

// Times built in the local zone, so the expectations hold wherever the spec runs.
const at = (year: number, month: number, day: number, hour = 12, minute = 0) =>
  new Date(year, month - 1, day, hour, minute).toISOString();
const now = new Date(2026, 10, 22, 15, 0);

describe('dayKey and startsDay', () => {
  it('is the local calendar day', () => {
    expect(dayKey(at(2026, 11, 22, 0, 0))).toBe('2026-11-22');
    expect(dayKey(at(2026, 11, 22, 23, 59))).toBe('2026-11-22');
    expect(dayKey('not a date')).toBe('');
  });

  it('starts a day at the first message and at local midnight only', () => {
    expect(startsDay(undefined, at(2026, 11, 22))).toBe(true);
    expect(startsDay(at(2026, 11, 22, 0, 1), at(2026, 11, 22, 23, 59))).toBe(false);
    expect(startsDay(at(2026, 11, 21, 23, 59), at(2026, 11, 22, 0, 0))).toBe(true);
  });
});

describe('dayLabel', () => {
  it('says Today and Yesterday by the calendar', () => {
    expect(dayLabel(at(2026, 11, 22, 0, 5), now)).toBe('Today');
    expect(dayLabel(at(2026, 11, 21, 23, 55), now)).toBe('Yesterday');
    expect(dayLabel(at(2026, 12, 1), new Date(2026, 11, 2, 0, 30))).toBe('Yesterday');
  });

  it('names older days with the weekday, and the year only when it is not this one', () => {
    const older = dayLabel(at(2026, 11, 3), now);
    expect(older).toContain('3');
    expect(older).not.toContain('2026');
    expect(dayLabel(at(2025, 12, 31), now)).toContain('2025');
  });

  it('is empty for a value that is not a date', () => {
    expect(dayLabel('', now)).toBe('');
  });
});

describe('fullDate and formatTime', () => {
  it('gives the whole date with the time for the hover text', () => {
    const text = fullDate(at(2025, 3, 9, 8, 7));
    expect(text).toContain('2025');
    expect(text).toContain('9');
    expect(fullDate('x')).toBe('');
  });

  it('shows the clock today and the date before', () => {
    expect(formatTime(at(2026, 11, 22, 9, 30), now)).toMatch(/30/);
    expect(formatTime(at(2026, 11, 20, 9, 30), now)).toMatch(/20/);
    expect(formatTime(at(2026, 11, 20, 9, 30), now)).not.toMatch(/30/);
  });
});
