import { ConfigError, parseEnv } from '../config/env-parser';
import { KAFKA_SECURITY_ENV, kafkajsSecurity, kafkaSecurityOf } from './kafka-security';

/** The settings these variables give, files "read" from `files` (a path not in it: ENOENT). */
function securityOf(env: Record<string, string>, files: Record<string, string> = {}) {
  return kafkaSecurityOf(parseEnv(env, KAFKA_SECURITY_ENV), (path) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' });
    return text;
  });
}

function problemsOf(env: Record<string, string>, files?: Record<string, string>): string[] {
  try {
    securityOf(env, files);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('the configuration was taken');
}

const scram = {
  KAFKA_SASL_MECHANISM: 'scram-sha-512',
  KAFKA_SASL_USERNAME: 'chat',
  KAFKA_SASL_PASSWORD: 'pass word',
};

describe('the Kafka clients’ TLS and SASL settings', () => {
  it('are plaintext and no SASL when nothing is set', () => {
    expect(securityOf({})).toEqual({});
    expect(kafkajsSecurity(securityOf({}))).toEqual({});
  });

  it("trust the system's CAs with KAFKA_TLS=true alone", () => {
    expect(kafkajsSecurity(securityOf({ KAFKA_TLS: 'true' }))).toEqual({ ssl: true });
  });

  it('take SCRAM without TLS, and give kafkajs the mechanism and the user', () => {
    expect(kafkajsSecurity(securityOf(scram))).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'chat', password: 'pass word' },
    });
  });

  it('give kafkajs the CA and a client certificate with its key', () => {
    expect(kafkajsSecurity({ tls: { ca: 'CA', cert: 'CERT', key: 'KEY' } })).toEqual({
      ssl: { ca: ['CA'], cert: 'CERT', key: 'KEY' },
    });
    expect(kafkajsSecurity({ tls: { ca: 'CA' } })).toEqual({ ssl: { ca: ['CA'] } });
  });

  it('refuse PLAIN without TLS: the password would cross the network as it is', () => {
    expect(problemsOf({ ...scram, KAFKA_SASL_MECHANISM: 'plain' })).toEqual([
      'KAFKA_SASL_MECHANISM=plain sends the password as it is: set KAFKA_TLS=true, or use scram-sha-512',
    ]);
  });

  it('do not ask for KAFKA_TLS=true for PLAIN when it is set and only a TLS file is wrong', () => {
    expect(
      problemsOf({
        ...scram,
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_TLS: 'true',
        KAFKA_TLS_CERT_FILE: '/cert.pem',
      }),
    ).toEqual(['KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE are set together or not at all']);
  });

  it('refuse a mechanism without its user, and a user without a mechanism', () => {
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'scram-sha-256' })).toEqual([
      'KAFKA_SASL_USERNAME is required with KAFKA_SASL_MECHANISM=scram-sha-256',
      'KAFKA_SASL_PASSWORD is required with KAFKA_SASL_MECHANISM=scram-sha-256',
    ]);
    expect(problemsOf({ KAFKA_SASL_USERNAME: 'chat', KAFKA_SASL_PASSWORD: 'x' })).toEqual([
      'KAFKA_SASL_USERNAME is set but KAFKA_SASL_MECHANISM is not',
      'KAFKA_SASL_PASSWORD is set but KAFKA_SASL_MECHANISM is not',
    ]);
  });

  it('refuse TLS files without KAFKA_TLS=true, and a certificate without its key', () => {
    expect(problemsOf({ KAFKA_TLS_CA_FILE: '/ca.pem' })).toEqual([
      'KAFKA_TLS_CA_FILE is set but KAFKA_TLS is not true',
    ]);
    expect(problemsOf({ KAFKA_TLS: 'true', KAFKA_TLS_CERT_FILE: '/cert.pem' })).toEqual([
      'KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE are set together or not at all',
    ]);
  });

  it('name a file that cannot be read, and one that holds no certificate', () => {
    expect(
      problemsOf(
        {
          KAFKA_TLS: 'true',
          KAFKA_TLS_CA_FILE: '/gone.pem',
          KAFKA_TLS_CERT_FILE: '/c.pem',
          KAFKA_TLS_KEY_FILE: '/k.pem',
        },
        { '/c.pem': 'not a certificate', '/k.pem': 'not a key' },
      ),
    ).toEqual([
      'KAFKA_TLS_CA_FILE: /gone.pem cannot be read (ENOENT)',
      'KAFKA_TLS_CERT_FILE: /c.pem holds no PEM certificate',
      'KAFKA_TLS_KEY_FILE: /k.pem holds no PEM private key',
    ]);
  });

  it('never say the password, even when it is refused', () => {
    expect(() =>
      parseEnv({ ...scram, KAFKA_SASL_PASSWORD: 'sec\u0000ret' }, KAFKA_SECURITY_ENV),
    ).toThrow('Invalid configuration: KAFKA_SASL_PASSWORD must be 1-1024 characters on one line');
  });
});
