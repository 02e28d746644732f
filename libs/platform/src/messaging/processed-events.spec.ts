import type { Admin, DescribeConfigResponse } from 'kafkajs';
import {
  PROCESSED_EVENTS_MARGIN_MS,
  readTopicRetention,
  rememberProcessedFor,
} from './processed-events';

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

describe('readTopicRetention', () => {
  /** An admin whose broker describes each topic with `entries` (null: not at all). */
  const adminDescribing = (entries: Record<string, string | null> | null) =>
    ({
      describeConfigs: ({ resources }: { resources: { name: string }[] }) =>
        Promise.resolve({
          throttleTime: 0,
          resources:
            entries === null
              ? []
              : resources.map(({ name }) => ({
                  errorCode: 0,
                  errorMessage: null,
                  resourceType: 2,
                  resourceName: name,
                  configEntries: Object.entries(entries).map(([configName, configValue]) => ({
                    configName,
                    configValue,
                    isDefault: false,
                    configSource: 5,
                    isSensitive: false,
                    readOnly: false,
                    configSynonyms: [],
                  })),
                })),
        } as unknown as DescribeConfigResponse),
    }) as unknown as Admin;
  const settings = {
    'retention.ms': '604800000',
    'segment.ms': '86400000',
    'cleanup.policy': 'delete',
  };

  it('reads the three settings of each topic', async () => {
    expect(await readTopicRetention(adminDescribing(settings), ['a.b'])).toEqual([
      { topic: 'a.b', retentionMs: 7 * DAY, segmentMs: DAY, compacted: false },
    ]);
    expect(
      await readTopicRetention(
        adminDescribing({ ...settings, 'retention.ms': '-1', 'cleanup.policy': 'compact,delete' }),
        ['a.b'],
      ),
    ).toEqual([{ topic: 'a.b', retentionMs: -1, segmentMs: DAY, compacted: true }]);
  });

  it.each([
    ['an empty value', { ...settings, 'retention.ms': '' }],
    ['a value it may not see', { ...settings, 'retention.ms': null }],
    ['a value that is no whole number', { ...settings, 'segment.ms': '1e3' }],
    ['a missing setting', { 'retention.ms': '1', 'cleanup.policy': 'delete' }],
    ['no policy', { 'retention.ms': '1', 'segment.ms': '1' }],
  ])('throws rather than guess on %s', async (_case, entries) => {
    await expect(readTopicRetention(adminDescribing(entries), ['a.b'])).rejects.toThrow('a.b');
  });

  it('throws when the broker leaves a topic out', async () => {
    await expect(readTopicRetention(adminDescribing(null), ['a.b'])).rejects.toThrow(
      'did not describe topic a.b',
    );
  });
});
