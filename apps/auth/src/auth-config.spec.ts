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
});
