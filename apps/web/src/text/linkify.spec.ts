import { LINK_MAX, linkify } from './linkify';

describe('linkify', () => {
  it('leaves text without links as one text segment', () => {
    expect(linkify('안녕하세요, no links here')).toEqual([
      { kind: 'text', text: '안녕하세요, no links here' },
    ]);
  });

  it('finds http and https links among text', () => {
    expect(linkify('see https://example.com/a?b=1#c and http://x.org')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1#c', href: 'https://example.com/a?b=1#c' },
      { kind: 'text', text: ' and ' },
      { kind: 'link', text: 'http://x.org', href: 'http://x.org/' },
    ]);
  });

  it('leaves the punctuation that ends a sentence out of the link', () => {
    expect(linkify('Read https://example.com/page. Then (https://example.com/x), ok?')).toEqual([
      { kind: 'text', text: 'Read ' },
      { kind: 'link', text: 'https://example.com/page', href: 'https://example.com/page' },
      { kind: 'text', text: '. Then (' },
      { kind: 'link', text: 'https://example.com/x', href: 'https://example.com/x' },
      { kind: 'text', text: '), ok?' },
    ]);
  });

  it('keeps brackets that belong to the URL', () => {
    const url = 'https://en.wikipedia.org/wiki/Seoul_(city)';
    expect(linkify(url)).toEqual([{ kind: 'link', text: url, href: url }]);
  });

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(document.cookie)',
    'data:text/html,<script>alert(1)</script>',
    'ftp://example.com/file',
    'http://',
    'www.',
    'www.example',
    'mail.www.example.com',
    'ann@www.example.com',
    'https:/www.example.com',
    'notwww.example.com',
  ])('never makes a link of %j', (body) => {
    expect(linkify(body).every((segment) => segment.kind === 'text')).toBe(true);
  });

  it('makes an https link of a bare www. host, with its path, and not of the sentence’s end', () => {
    expect(linkify('see www.test.org. Or WWW.Example.com/a?b=1#c, ok')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'www.test.org', href: 'https://www.test.org/' },
      { kind: 'text', text: '. Or ' },
      {
        kind: 'link',
        text: 'WWW.Example.com/a?b=1#c',
        href: 'https://www.example.com/a?b=1#c',
      },
      { kind: 'text', text: ', ok' },
    ]);
  });

  it('links a URL with a www. host once, as written', () => {
    expect(linkify('http://www.test.org/x')).toEqual([
      { kind: 'link', text: 'http://www.test.org/x', href: 'http://www.test.org/x' },
    ]);
  });

  it('stops a URL at markup, which stays text', () => {
    expect(linkify('<a href="https://evil.example/">x</a>')).toEqual([
      { kind: 'text', text: '<a href="' },
      { kind: 'link', text: 'https://evil.example/', href: 'https://evil.example/' },
      { kind: 'text', text: '">x</a>' },
    ]);
  });

  it('reads an upper-case scheme and gives the normalised href', () => {
    expect(linkify('HTTPS://Example.COM')).toEqual([
      { kind: 'link', text: 'HTTPS://Example.COM', href: 'https://example.com/' },
    ]);
  });

  it('ends a link before a bidi control, which cannot disguise it then', () => {
    expect(linkify('get https://x.org/\u202Egpj.exe now')).toEqual([
      { kind: 'text', text: 'get ' },
      { kind: 'link', text: 'https://x.org/', href: 'https://x.org/' },
      { kind: 'text', text: '\u202Egpj.exe now' },
    ]);
    expect(linkify('www.x.org\u2067')).toEqual([
      { kind: 'link', text: 'www.x.org', href: 'https://www.x.org/' },
      { kind: 'text', text: '\u2067' },
    ]);
  });

  it('trims unopened brackets and punctuation in any order', () => {
    expect(linkify('(see http://x.org/a_(b)].)!)')).toEqual([
      { kind: 'text', text: '(see ' },
      { kind: 'link', text: 'http://x.org/a_(b)', href: 'http://x.org/a_(b)' },
      { kind: 'text', text: '].)!)' },
    ]);
  });

  it('leaves a candidate longer than LINK_MAX as text', () => {
    const url = `https://x.org/${'a'.repeat(LINK_MAX)}`;
    expect(linkify(`${url} https://x.org`)).toEqual([
      { kind: 'text', text: `${url} ` },
      { kind: 'link', text: 'https://x.org', href: 'https://x.org/' },
    ]);
  });

  /**
   * About a megabyte each: work that grows with the square of a candidate's length takes
   * hours here (the suite never ends), where one pass takes milliseconds.
   */
  const MEGABYTE = 1_000_000;
  const longest = `http://a${')'.repeat(LINK_MAX - 'http://a'.length)}`;
  it.each([
    ['closing brackets', `http://a${')'.repeat(MEGABYTE)}`],
    ['dots before a letter', `http://a${'.'.repeat(MEGABYTE)}b`],
    ['schemes', 'http://'.repeat(MEGABYTE / 7)],
    ['www.', `x www${'.www'.repeat(MEGABYTE / 4)}`],
  ])('stays text, in one pass: a megabyte of %s', (_what, body) => {
    expect(linkify(body)).toEqual([{ kind: 'text', text: body }]);
  });

  it('trims a megabyte of candidates as long as a link may be', () => {
    const count = Math.ceil(MEGABYTE / LINK_MAX);
    const segments = linkify(`${longest} `.repeat(count));
    expect(segments).toHaveLength(2 * count);
    expect(segments[0]).toEqual({ kind: 'link', text: 'http://a', href: 'http://a/' });
    expect(segments[1]).toEqual({ kind: 'text', text: `${')'.repeat(longest.length - 8)} ` });
  });
});
