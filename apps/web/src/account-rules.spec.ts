import { ApiError } from './api-error';
import { signupProblems, signupRefusal, usernameProblem } from './account-rules';

describe('usernameProblem (API.md: 3–32 of a-z 0-9 _ . -)', () => {
  it.each(['kim', 'kim.minji_2', 'A-B', 'a'.repeat(32)])('accepts %j', (name) => {
    expect(usernameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', /Choose a username/],
    ['ab', /at least 3/],
    ['a'.repeat(33), /at most 32/],
    ['김민지', /letters a–z/],
    ['kim minji', /letters a–z/],
    ['josé', /letters a–z/],
  ])('explains what is wrong with %j', (name, text) => {
    expect(usernameProblem(name)).toMatch(text);
  });
});

describe('signupProblems', () => {
  it('is empty for a valid form (the display name is optional)', () => {
    expect(signupProblems({ username: 'kim', password: '12345678', displayName: '' })).toEqual({});
  });

  it('names each field with its own problem', () => {
    expect(
      signupProblems({ username: 'k', password: 'short', displayName: '김'.repeat(65) }),
    ).toEqual({
      username: 'A username has at least 3 characters.',
      password: 'A password has at least 8 characters.',
      displayName: 'A display name has at most 64 characters.',
    });
  });

  it('counts characters as the server does: 64 Korean syllables or emoji are fine', () => {
    expect(
      signupProblems({ username: 'kim', password: '🔑'.repeat(8), displayName: '😀'.repeat(64) }),
    ).toEqual({});
  });
});

describe('signupRefusal', () => {
  it('ties a taken username to the username field', () => {
    expect(signupRefusal(new ApiError(409, 'username already taken'))).toEqual({
      field: 'username',
      text: 'This username is taken. Please choose another one.',
    });
  });

  it('ties a validation message to the field it names, as the rule in plain words', () => {
    expect(
      signupRefusal(new ApiError(400, 'password must be longer than or equal to 8 characters')),
    ).toEqual({ field: 'password', text: 'A password has 8 to 128 characters.' });
    expect(
      signupRefusal(
        new ApiError(400, 'username must match /^[A-Za-z0-9_.-]{3,32}$/ regular expression'),
      ),
    ).toEqual({
      field: 'username',
      text: 'A username has 3 to 32 characters: the letters a–z, digits, and _ . - (no spaces).',
    });
    expect(signupRefusal(new ApiError(400, 'displayName must be shorter')).field).toBe(
      'displayName',
    );
  });

  it('gives the form what no field owns, in plain words', () => {
    expect(signupRefusal(new ApiError(429, 'Too many requests', 20))).toEqual({
      field: 'form',
      text: 'Too many attempts. Try again in 20 seconds.',
    });
    expect(signupRefusal(new ApiError(0, 'Network error')).field).toBe('form');
  });
});
