import { interpolateCompose, loopbackSettings } from './compose-environment';

describe('interpolateCompose', () => {
  it('takes the value from the environment, else the default, as docker compose does', () => {
    expect(interpolateCompose('a=${A:-x}', { A: 'set' })).toBe('a=set');
    expect(interpolateCompose('a=${A:-x}', {})).toBe('a=x');
    expect(interpolateCompose('a=${A:-x}', { A: '' })).toBe('a=x');
    expect(interpolateCompose('a=${A-x}', { A: '' })).toBe('a=');
    expect(interpolateCompose('${A}/$$HOME', {})).toBe('/$HOME');
  });
});

describe('loopbackSettings', () => {
  it('names the settings that point at the container itself', () => {
    expect(
      loopbackSettings({
        DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
        KAFKA_BROKERS: ['kafka-1:9092', 'localhost:9092'],
        AUTH_JWKS_URL: 'http://auth:3001/api/auth/jwks',
        HOST: '0.0.0.0',
        ORIGINS: ['http://127.0.0.1:8080'],
        PORT: 3001,
      }),
    ).toEqual(['DATABASE_URL', 'KAFKA_BROKERS', 'ORIGINS']);
    expect(loopbackSettings({ ORIGINS: ['http://localhost:8080'] }, ['ORIGINS'])).toEqual([]);
  });
});
