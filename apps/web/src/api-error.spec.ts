import { ApiError, describeError, describeRefusal, OFFLINE_TEXT } from './api-error';

describe('describeError', () => {
  it('says a person is offline instead of a TypeError', () => {
    const error = new ApiError(0, 'Network error: TypeError: Failed to fetch');
    expect(describeError(error)).toBe(OFFLINE_TEXT);
    expect(describeError(error)).not.toMatch(/TypeError|fetch/);
  });

  it('says when to try again after a rate limit', () => {
    expect(describeError(new ApiError(429, 'Too many requests; try again later', 42))).toBe(
      'Too many attempts. Try again in 42 seconds.',
    );
    expect(describeError(new ApiError(429, 'Too many requests; try again later'))).toBe(
      'Too many attempts. Please wait a moment and try again.',
    );
  });

  it('keeps what the server wrote for people on other 4xx answers', () => {
    expect(describeError(new ApiError(409, 'username already taken'))).toBe(
      'username already taken',
    );
  });

  it.each([
    ['a 503', new ApiError(503, 'The service is not reachable; try again shortly'), /trouble/],
    ['a 500', new ApiError(500, 'HTTP 500'), /trouble/],
    ['a 401', new ApiError(401, 'unauthorized'), /log in again/],
    ['a socket timeout', new Error('operation has timed out'), /didn't answer in time/],
    [
      'an answer of the wrong shape',
      new ApiError(200, 'Unexpected answer from /api/rooms'),
      /read/,
    ],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')"), /^Something/],
  ])('puts %s in plain words', (_, error, text) => {
    expect(describeError(error)).toMatch(text);
  });
});

describe('describeRefusal', () => {
  it('puts a refused change to a message in words, never a code', () => {
    expect(describeRefusal('forbidden')).toMatch(/only its sender/);
    expect(describeRefusal('rate_limited')).toMatch(/wait a moment/);
    expect(describeRefusal('internal')).toBe('Something went wrong. Please try again.');
    expect(describeRefusal('payload_too_large')).toBe('That text is too long.');
    // typing and read concern the room: refused there, the room is what to speak of.
    expect(describeRefusal('forbidden', true)).toBe("You're no longer in that room.");
    expect(describeRefusal('rate_limited', true)).toMatch(/wait a moment/);
  });

  it("says a bad request in the server's words, which name the rule it broke", () => {
    expect(describeRefusal('bad_request', false, 'A message has at most 20 different emoji')).toBe(
      'A message has at most 20 different emoji',
    );
    expect(describeRefusal('bad_request')).toMatch(/isn't possible/);
  });
});
