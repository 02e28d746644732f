import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { ConfigError, oneOf, optional, text, type ParsedEnv } from '../config/env-parser';

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** How a service's Kafka clients reach the brokers: TLS, SASL, both or neither. */
export interface KafkaSecurity {
  /** TLS to every broker; unset: plaintext. Without `ca` the system's CAs are trusted. */
  readonly tls?: {
    /** PEM certificates of the CAs that signed the brokers' certificates. */
    readonly ca?: string;
    /** A client certificate and its key, for brokers that authenticate clients by TLS. */
    readonly cert?: string;
    readonly key?: string;
  };
  readonly sasl?: {
    readonly mechanism: KafkaSaslMechanism;
    readonly username: string;
    readonly password: string;
  };
}

const PATH = /^[^\0]{1,4096}$/;

/** The variables every service reads for its Kafka clients' TLS and SASL. */
export const KAFKA_SECURITY_ENV = {
  KAFKA_TLS: oneOf(['true', 'false'], { default: 'false' }),
  KAFKA_TLS_CA_FILE: optional(text(PATH, 'a file path')),
  KAFKA_TLS_CERT_FILE: optional(text(PATH, 'a file path')),
  KAFKA_TLS_KEY_FILE: optional(text(PATH, 'a file path')),
  KAFKA_SASL_MECHANISM: optional(oneOf(KAFKA_SASL_MECHANISMS)),
  KAFKA_SASL_USERNAME: optional(text(/^[^\0\s]{1,256}$/, '1-256 characters, no spaces')),
  KAFKA_SASL_PASSWORD: optional(
    text(/^[^\0\r\n]{1,1024}$/, '1-1024 characters on one line', { secret: true }),
  ),
};

type SecurityEnv = ParsedEnv<typeof KAFKA_SECURITY_ENV>;
type ReadFile = (path: string) => string;

/**
 * The TLS and SASL settings the variables describe, their files read and checked now: a
 * file that cannot be read, or holds no certificate or key, a certificate that is not the
 * key's, or settings that do not go together are one `ConfigError` naming each variable
 * (the service exits 78), rather than a connection refused later for a reason the broker
 * does not say. The password is never in a message.
 */
export function kafkaSecurityOf(
  env: SecurityEnv,
  readFile: ReadFile = (path) => readFileSync(path, 'utf8'),
): KafkaSecurity {
  const problems: string[] = [];
  const tls = tlsOf(env, readFile, problems);
  const sasl = saslOf(env, problems);
  if (sasl?.mechanism === 'plain' && env.KAFKA_TLS !== 'true')
    problems.push(
      'KAFKA_SASL_MECHANISM=plain sends the password as it is: set KAFKA_TLS=true, or use scram-sha-512',
    );
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...(tls === undefined ? {} : { tls }), ...(sasl === undefined ? {} : { sasl }) };
}

function tlsOf(env: SecurityEnv, readFile: ReadFile, problems: string[]): KafkaSecurity['tls'] {
  const files = {
    KAFKA_TLS_CA_FILE: env.KAFKA_TLS_CA_FILE,
    KAFKA_TLS_CERT_FILE: env.KAFKA_TLS_CERT_FILE,
    KAFKA_TLS_KEY_FILE: env.KAFKA_TLS_KEY_FILE,
  };
  if (env.KAFKA_TLS !== 'true') {
    for (const [variable, path] of Object.entries(files))
      if (path !== undefined) problems.push(`${variable} is set but KAFKA_TLS is not true`);
    return undefined;
  }
  if ((files.KAFKA_TLS_CERT_FILE === undefined) !== (files.KAFKA_TLS_KEY_FILE === undefined)) {
    problems.push('KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE are set together or not at all');
    return undefined;
  }
  const read = (variable: keyof typeof files, check: (pem: string) => void): string | undefined => {
    const path = files[variable];
    if (path === undefined) return undefined;
    let pem: string;
    try {
      pem = readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      problems.push(`${variable}: ${path} cannot be read (${code})`);
      return undefined;
    }
    try {
      check(pem);
    } catch {
      problems.push(
        `${variable}: ${path} holds no PEM ${variable.includes('KEY') ? 'private key' : 'certificate'}`,
      );
      return undefined;
    }
    return pem;
  };
  const ca = read('KAFKA_TLS_CA_FILE', (pem) => new X509Certificate(pem));
  const cert = read('KAFKA_TLS_CERT_FILE', (pem) => new X509Certificate(pem));
  const key = read('KAFKA_TLS_KEY_FILE', (pem) => createPrivateKey(pem));
  if (
    cert !== undefined &&
    key !== undefined &&
    !new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))
  )
    problems.push(
      `KAFKA_TLS_CERT_FILE: ${files.KAFKA_TLS_CERT_FILE ?? ''} is not the certificate of the key in KAFKA_TLS_KEY_FILE`,
    );
  return {
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
}

function saslOf(env: SecurityEnv, problems: string[]): KafkaSecurity['sasl'] {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username } = env;
  const password = env.KAFKA_SASL_PASSWORD;
  if (mechanism === undefined) {
    if (username !== undefined)
      problems.push('KAFKA_SASL_USERNAME is set but KAFKA_SASL_MECHANISM is not');
    if (password !== undefined)
      problems.push('KAFKA_SASL_PASSWORD is set but KAFKA_SASL_MECHANISM is not');
    return undefined;
  }
  if (username === undefined)
    problems.push(`KAFKA_SASL_USERNAME is required with KAFKA_SASL_MECHANISM=${mechanism}`);
  if (password === undefined)
    problems.push(`KAFKA_SASL_PASSWORD is required with KAFKA_SASL_MECHANISM=${mechanism}`);
  if (username === undefined || password === undefined) return undefined;
  return { mechanism, username, password };
}

/** kafkajs' `ssl` and `sasl` for these settings. */
export function kafkajsSecurity(security: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const { tls, sasl } = security;
  return {
    ...(tls === undefined
      ? {}
      : {
          ssl:
            tls.ca === undefined && tls.cert === undefined
              ? true
              : {
                  ...(tls.ca === undefined ? {} : { ca: [tls.ca] }),
                  ...(tls.cert === undefined ? {} : { cert: tls.cert, key: tls.key }),
                },
        }),
    // kafkajs types each mechanism's options apart; these three take the same ones.
    ...(sasl === undefined ? {} : { sasl: { ...sasl } as SASLOptions }),
  };
}
