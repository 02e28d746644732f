import { describeError, type ApiError } from './api-error';

/**
 * API.md's rules for accounts, checked in the browser before the server sees them, so a
 * person reads what to change next to the field concerned instead of a server sentence.
 * The server checks the same rules again: this is only for the words.
 */
export const USERNAME = { min: 3, max: 32, pattern: /^[A-Za-z0-9_.-]*$/ } as const;
const PASSWORD = { min: 8, max: 128 } as const;
const DISPLAY_NAME = { max: 64 } as const;

export type SignupField = 'username' | 'password' | 'displayName';
export type FieldErrors = Partial<Record<SignupField, string>>;

/** Characters as the server counts them (code points: an emoji or a Korean syllable is one). */
const length = (text: string) => [...text].length;

const USERNAME_CHARACTERS = 'Use only the letters a–z, digits, and _ . -';

export function usernameProblem(username: string): string | undefined {
  if (username === '') return 'Choose a username.';
  if (!USERNAME.pattern.test(username))
    return `${USERNAME_CHARACTERS} (no spaces, accents or other scripts).`;
  if (length(username) < USERNAME.min) return `A username has at least ${USERNAME.min} characters.`;
  if (length(username) > USERNAME.max) return `A username has at most ${USERNAME.max} characters.`;
  return undefined;
}

/** What to fix in a signup form before sending it: one sentence per field. */
export function signupProblems(fields: Record<SignupField, string>): FieldErrors {
  const problems: FieldErrors = {};
  const username = usernameProblem(fields.username);
  if (username !== undefined) problems.username = username;
  if (length(fields.password) < PASSWORD.min)
    problems.password = `A password has at least ${PASSWORD.min} characters.`;
  else if (length(fields.password) > PASSWORD.max)
    problems.password = `A password has at most ${PASSWORD.max} characters.`;
  if (length(fields.displayName.trim()) > DISPLAY_NAME.max)
    problems.displayName = `A display name has at most ${DISPLAY_NAME.max} characters.`;
  return problems;
}

/**
 * A refused signup tied to its field: 409 is the username; a 400 goes to the field its
 * message names (class-validator starts each message with the property). What no field
 * owns (the server down, a rate limit) goes to the form, in plain words.
 */
export function signupRefusal(error: ApiError): { field: SignupField | 'form'; text: string } {
  if (error.status === 409)
    return { field: 'username', text: 'This username is taken. Please choose another one.' };
  if (error.status === 400) {
    const field = (['username', 'password', 'displayName'] as const).find((name) =>
      error.message.startsWith(name),
    );
    if (field !== undefined) return { field, text: RULES[field] };
  }
  return { field: 'form', text: describeError(error) };
}

/**
 * What the server's refusal of a field means, as the rule in plain words: its own message
 * is written for developers (class-validator: "must match /…/ regular expression").
 */
const RULES: Record<SignupField, string> = {
  username: `A username has ${USERNAME.min} to ${USERNAME.max} characters: the letters a–z, digits, and _ . - (no spaces).`,
  password: `A password has ${PASSWORD.min} to ${PASSWORD.max} characters.`,
  displayName: `A display name has 1 to ${DISPLAY_NAME.max} characters.`,
};
