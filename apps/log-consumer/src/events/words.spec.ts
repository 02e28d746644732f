import { withinDeadline } from '@scale-chat/wait';
import { wordsOf } from './words';

describe('wordsOf', () => {
  it('lower-cases English, drops punctuation, numbers and stop words', () => {
    expect(wordsOf('Hello, WORLD! The world says: hello... 42 times?')).toEqual([
      'hello',
      'world',
      'world',
      'says',
      'hello',
      'times',
    ]);
  });

  it('splits Korean on word boundaries and drops Korean stop words', () => {
    expect(wordsOf('그리고 오늘 날씨가 정말 좋네요!')).toEqual(['오늘', '날씨가', '좋네요']);
  });

  it('takes unambiguous particles off Hangul nouns and leaves nouns that only look so', () => {
    expect(wordsOf('채팅방에서 메시지를 사람을 가을 마을 고양이 학교까지')).toEqual([
      '채팅방',
      '메시지',
      '사람',
      '가을',
      '마을',
      '고양이',
      '학교',
    ]);
  });

  it('handles mixed Korean and English in one message, with emoji and dashes left out', () => {
    expect(wordsOf('Kafka 스트림으로 chat 메시지 🚀🚀 —')).toEqual([
      'kafka',
      '스트림',
      'chat',
      '메시지',
    ]);
  });

  it('keeps apostrophes inside English words and drops them at the edges', () => {
    expect(wordsOf("'quoted' Kafka's partitions")).toEqual(['quoted', "kafka's", 'partitions']);
  });

  it('ignores single Latin letters and words longer than 40 characters', () => {
    expect(wordsOf(`x y z ${'a'.repeat(41)} ok kafka`)).toEqual(['kafka']);
  });

  it('treats composed and decomposed Hangul alike', () => {
    const decomposed = '메시지'.normalize('NFD');
    expect(wordsOf(decomposed)).toEqual(['메시지']);
  });

  it('counts no part of a link and no @mention', () => {
    expect(
      wordsOf('see https://github.com/foo/bar and www.example.com/docs, thanks @bob_smith @ann.'),
    ).toEqual(['see', 'thanks']);
    // An address is not a mention, and a link is cut at the space.
    expect(wordsOf('mail ann@host.example then http://x.y/z kafka')).toEqual([
      'mail',
      'ann',
      'kafka',
    ]);
  });

  it('reads a message of dotted letters in time growing with its length, not its square', () => {
    // 300,000 characters: some two minutes when each word was scanned to the end for `://`.
    const dotted = 'ab.'.repeat(100_000);
    expect(withinDeadline(10_000, () => wordsOf(`${dotted} kafka`))).toContain('kafka');
    expect(wordsOf('see https://example.org/x and a+b.c-d://host/y later')).toEqual([
      'see',
      'later',
    ]);
  });

  it('counts a word with a dotted capital I as the same word lower-case', () => {
    expect(wordsOf('İstanbul istanbul ISTANBUL')).toEqual(['istanbul', 'istanbul', 'istanbul']);
  });

  it("reads a phone's apostrophe as the keyboard's, for stop words too", () => {
    expect(wordsOf('don’t won’t they’re Kafka’s')).toEqual(["kafka's"]);
  });

  it('leaves 는, 은 and 을 on a verb or adjective, and drops the commonest of them', () => {
    expect(wordsOf('사랑하는 재미있는 먹었을 좋은 사람은 있는 하는 같은')).toEqual([
      '사랑하는',
      '재미있는',
      '먹었을',
      '좋은',
      '사람',
    ]);
  });

  it('counts no particle written onto a Latin word, and no counter written onto a number', () => {
    expect(
      wordsOf('Kafka는 빠르고 API를 JSON을 DB에서 Redis로 nest가 k8s에 배포 PR을 올렸어요'),
    ).toEqual(['kafka', '빠르고', 'api', 'json', 'db', 'redis', 'nest', '배포', 'pr', '올렸어요']);
    expect(wordsOf('3시에 10분 회의 2020년 3월')).toEqual(['회의']);
    // A word of its own written onto a Latin one still counts.
    expect(wordsOf('Kafka클러스터 API 문서')).toEqual(['kafka', '클러스터', 'api', '문서']);
  });
});
