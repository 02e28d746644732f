/**
 * Words of a message for the top-words figures, in Korean and English: split on word
 * boundaries (Intl.Segmenter, which knows Hangul and Latin text), lower-cased, without
 * punctuation, numbers or stop words of either language. Korean particles are taken off
 * only where that is unambiguous (see KOREAN_PARTICLES); there is no morphological
 * analysis, so inflected verbs count as written. Links and `@mentions` are no words: a
 * link's scheme and path, or a username, would crowd the top of the list.
 */
const segmenter = new Intl.Segmenter(['ko', 'en'], { granularity: 'word' });

/** Letters (any script) and marks; a word must contain at least one letter. */
const WORD = /^[\p{L}\p{M}'-]+$/u;
const HANGUL = /^[\p{Script=Hangul}]+$/u;
const MAX_WORD_LENGTH = 40;

export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before ' +
    'being below between both but by can could did do does doing down during each few for ' +
    'from further had has have having he her here hers herself him himself his how i if in ' +
    'into is it its itself just let me more most my myself no nor not now of off on once ' +
    'only or other our ours ourselves out over own same she should so some such than that ' +
    'the their theirs them themselves then there these they this those through to too under ' +
    'until up very was we were what when where which while who whom why will with would you ' +
    "your yours yourself yourselves i'm it's don't that's i've i'll you're can't isn't ok okay " +
    "won't didn't doesn't wasn't weren't aren't haven't hasn't couldn't wouldn't shouldn't " +
    "i'd you'd he's she's we're they're we'll they'll you'll let's what's there's here's " +
    'yes yeah oh im dont also get got just like really'
  ).split(' '),
);

export const KOREAN_STOP_WORDS: ReadonlySet<string> = new Set(
  (
    '그리고 그래서 그러나 하지만 그런데 그러면 또 또는 및 즉 곧 왜 뭐 뭐가 무엇 어디 언제 누구 ' +
    '어떻게 이 그 저 이것 그것 저것 여기 거기 저기 나 너 저 우리 저희 너희 그들 제가 내가 ' +
    '나는 저는 너는 우리는 네 예 응 아니 아니요 아 어 음 오 와 좀 잘 더 덜 다 안 못 것 수 ' +
    '등 때 중 정말 진짜 너무 아주 매우 그냥 이제 지금 다시 같이 있다 없다 하다 되다 이다 ' +
    '있어 없어 해요 했어 했다 합니다 입니다 있어요 없어요 그래 그럼 근데 네요 요 ' +
    '있는 없는 하는 되는 같은 그런 이런 저런 어떤 있습니다 없습니다 했습니다 하는데 있는데 많이'
  ).split(' '),
);

/**
 * Particles that end a Hangul noun: the two-syllable ones come off any word longer than
 * themselves; 은/는/을/를 only off words of three or more syllables (가을, 마을 stay).
 * 이/가/의/에/도 stay on: too many nouns end so (고양이, 회의).
 */
const LONG_PARTICLES = [
  '에서',
  '에게',
  '으로',
  '까지',
  '부터',
  '처럼',
  '보다',
  '한테',
  '께서',
  '이랑',
];
const SHORT_PARTICLES = ['은', '는', '을', '를'];
/**
 * Syllables that end a verb's or adjective's stem or tense: 는/은/을 after them end a verb
 * (사랑하는, 재미있는, 먹었을, 좋은), not a noun, so they stay on.
 */
const VERB_STEM_ENDS = new Set([
  '하',
  '있',
  '없',
  '되',
  '었',
  '았',
  '였',
  '겠',
  '같',
  '많',
  '좋',
  '싶',
]);

function withoutParticle(word: string): string {
  const syllables = [...word];
  for (const particle of LONG_PARTICLES) {
    if (word.endsWith(particle) && syllables.length > 2) return word.slice(0, -particle.length);
  }
  for (const particle of SHORT_PARTICLES) {
    if (
      word.endsWith(particle) &&
      syllables.length >= 3 &&
      !VERB_STEM_ENDS.has(syllables.at(-2) ?? '')
    )
      return word.slice(0, -particle.length);
  }
  return word;
}

function normalized(segment: string): string | undefined {
  // A phone's apostrophe (’) is the keyboard's ('): "don’t" is the stop word "don't".
  // Turkish İ lower-cases to i and a combining dot: "İstanbul" is "istanbul".
  const lower = segment
    .toLocaleLowerCase('en')
    .replaceAll('i\u0307', 'i')
    .replaceAll('’', "'")
    .replace(/^['-]+|['-]+$/g, '');
  if (lower.length === 0 || lower.length > MAX_WORD_LENGTH || !WORD.test(lower)) return undefined;
  const word = HANGUL.test(lower) ? withoutParticle(lower) : lower;
  if (ENGLISH_STOP_WORDS.has(word) || KOREAN_STOP_WORDS.has(word)) return undefined;
  // One Latin letter is no word ("a", "x"); one Hangul syllable may be (밥, 꽃).
  if (word.length < 2 && !HANGUL.test(word)) return undefined;
  return word;
}

/**
 * What Hangul written onto a Latin word or a number is, without a space: the segmenter cuts
 * it off at the change of script ("Kafka는" is "Kafka" and "는", "3시에" is "3" and "시에").
 * After a Latin word, a particle alone ("API를", "k8s에") is no word; after a number, a
 * counter with its particle is not either ("3시에", "10분", "2020년").
 */
const ATTACHED_PARTICLES: ReadonlySet<string> = new Set(
  (
    '은 는 이 가 을 를 의 에 에서 에게 으로 로 와 과 도 만 까지 부터 처럼 보다 한테 께서 ' +
    '이랑 랑 하고 에는 에서는 으로는 로는 에도 이나 나 요 이요 이에요 예요 이야 야 이다 이라'
  ).split(' '),
);
const COUNTER_SYLLABLES_MAX = 3;

/** Whether a Hangul `segment` right after `before` (no space between) is no word of its own. */
function attachedNonWord(before: string | undefined, segment: string): boolean {
  if (before === undefined || !HANGUL.test(segment)) return false;
  if (/^\p{N}+$/u.test(before)) return [...segment].length <= COUNTER_SYLLABLES_MAX;
  return /\p{Script=Latin}|\p{N}/u.test(before) && ATTACHED_PARTICLES.has(segment);
}

/**
 * Links (with a scheme, or starting www.) and `@name`s, as contracts/mentions reads them.
 * A scheme is at most 32 characters: unbounded, a run of letters and dots with no `://`
 * was scanned to its end from each of its words, in time growing with its length squared.
 */
const NOT_WORDS = /\b(?:[a-z][a-z0-9+.-]{0,31}:\/\/|www\.)\S+|(?<![a-z0-9_./-])@[a-z0-9_.-]+/giu;

/** The words of `text`, each as often as it occurs. */
export function wordsOf(text: string): string[] {
  const words: string[] = [];
  const prose = text.normalize('NFC').replace(NOT_WORDS, ' ');
  let before: string | undefined;
  for (const { segment, isWordLike } of segmenter.segment(prose)) {
    const attached = attachedNonWord(before, segment);
    before = isWordLike ? segment : undefined;
    if (!isWordLike || attached) continue;
    const word = normalized(segment);
    if (word !== undefined) words.push(word);
  }
  return words;
}
