import { PROCESSED_EVENTS_MARGIN_MS, rememberProcessedFor } from './processed-events';

const DAY = 24 * 60 * 60 * 1000;
const topic = (retentionMs: number, segmentMs = 7 * DAY, compacted = false) => ({
  topic: 't',
  retentionMs,
  segmentMs,
  compacted,
});

describe('rememberProcessedFor', () => {
  it("is the longest topic's retention plus its segment time, plus a margin", () => {
    expect(rememberProcessedFor([topic(7 * DAY), topic(DAY, DAY)])).toBe(
      14 * DAY + PROCESSED_EVENTS_MARGIN_MS,
    );
    expect(rememberProcessedFor([topic(2 * DAY, DAY), topic(DAY, 3 * DAY)])).toBe(
      4 * DAY + PROCESSED_EVENTS_MARGIN_MS,
    );
  });

  it('is for good when any topic keeps its records for good, by retention or compaction', () => {
    expect(rememberProcessedFor([topic(7 * DAY), topic(-1)])).toBeUndefined();
    expect(rememberProcessedFor([topic(DAY, DAY, true)])).toBeUndefined();
  });

  it('is for good when it knows of no topic', () => {
    expect(rememberProcessedFor([])).toBeUndefined();
  });
});
