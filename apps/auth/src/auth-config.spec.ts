import { readAuthConfig } from './auth-config';

describe('readAuthConfig', () => {
  it('defaults to a 15-minute token lifetime and a development key', () => {
    const config = readAuthConfig({});
    expect(config.extra.ACCESS_TOKEN_TTL_SECONDS).toBe(900);
    expect(config.extra.AUTH_SIGNING_KEY_FILE).toBeUndefined();
  });

  it('requires a configured signing key in production', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://a:b@db:5432/auth' };
    expect(() => readAuthConfig(production)).toThrow(
      'Invalid configuration: AUTH_SIGNING_KEY_FILE is required in production',
    );
    expect(
      readAuthConfig({ ...production, AUTH_SIGNING_KEY_FILE: '/run/secrets/key.pem' }).nodeEnv,
    ).toBe('production');
  });

  it('gives user search a budget of 30 at once, then 5 a second, and names a bad value', () => {
    const defaults = readAuthConfig({});
    expect(defaults.extra.USER_SEARCH_RATE_BURST).toBe(30);
    expect(defaults.extra.USER_SEARCH_RATE_PER_SECOND).toBe(5);
    const set = readAuthConfig({ USER_SEARCH_RATE_BURST: '3', USER_SEARCH_RATE_PER_SECOND: '1' });
    expect(set.extra.USER_SEARCH_RATE_BURST).toBe(3);
    expect(set.extra.USER_SEARCH_RATE_PER_SECOND).toBe(1);
    expect(() => readAuthConfig({ USER_SEARCH_RATE_BURST: '0' })).toThrow(
      'USER_SEARCH_RATE_BURST must be a whole number from 1 to 10000 (got "0")',
    );
    expect(() => readAuthConfig({ USER_SEARCH_RATE_PER_SECOND: 'fast' })).toThrow(
      /USER_SEARCH_RATE_PER_SECOND must be a whole number/,
    );
  });
});
