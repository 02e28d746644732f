import { isAdminToken } from './access-token';

/** base64url (RFC 4648 §5) of ASCII JSON, without padding, as in a JWT. */
const base64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const token = (claims: unknown) => `${base64url({ alg: 'ES256' })}.${base64url(claims)}.signature`;

describe('isAdminToken', () => {
  it('is true only for the claim adm: true', () => {
    expect(isAdminToken(token({ sub: 'u', adm: true }))).toBe(true);
    expect(isAdminToken(token({ sub: 'u' }))).toBe(false);
    expect(isAdminToken(token({ sub: 'u', adm: 'true' }))).toBe(false);
    expect(isAdminToken(token({ sub: 'u', adm: 1 }))).toBe(false);
  });

  it('reads base64url with its - and _ (a display name can put them in the payload)', () => {
    const claims = { sub: 'u', username: '~~~???>>>', adm: true };
    expect(base64url(claims)).toMatch(/[-_]/);
    expect(isAdminToken(token(claims))).toBe(true);
  });

  it('is false without a token, or for one that is not a JWT', () => {
    expect(isAdminToken(null)).toBe(false);
    expect(isAdminToken('not-a-token')).toBe(false);
    expect(isAdminToken('a.%%%.c')).toBe(false);
    expect(isAdminToken(`a.${btoa('not json')}.c`)).toBe(false);
  });
});
