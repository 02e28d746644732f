import {
  brokerList,
  ConfigError,
  integer,
  list,
  oneOf,
  optional,
  parseEnv,
  port,
  hostAddress,
  postgresUrl,
  trustedProxies,
  VariableProblem,
} from './env-parser';

describe('parseEnv', () => {
  it('returns parsed values and defaults', () => {
    const env = parseEnv(
      { PORT: '3001', LEVEL: 'warn' },
      {
        PORT: port(),
        LEVEL: oneOf(['info', 'warn']),
        TIMEOUT: integer({ min: 1, max: 10 }, { default: 5 }),
        NAME: optional(oneOf(['a'])),
      },
    );
    expect(env).toEqual({ PORT: 3001, LEVEL: 'warn', TIMEOUT: 5, NAME: undefined });
  });

  it('names every bad or missing variable on one line', () => {
    const read = () =>
      parseEnv({ PORT: 'eighty', LEVEL: '' }, { PORT: port(), LEVEL: oneOf(['info']) });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(
      'Invalid configuration: PORT must be a whole number from 1 to 65535 (got "eighty"); LEVEL is required',
    );
  });

  it('never echoes a secret value', () => {
    expect(() =>
      parseEnv({ DATABASE_URL: 'mysql://u:hunter2@h/db' }, { DATABASE_URL: postgresUrl() }),
    ).toThrow(/^(?!.*hunter2).*DATABASE_URL must be a URL of the form postgres:/);
  });

  it('refuses a URL whose database name is a malformed %-escape, with the same clear error', () => {
    expect(() =>
      parseEnv(
        { DATABASE_URL: 'postgres://u:p@h:5432/db%E0%A4%A' },
        { DATABASE_URL: postgresUrl() },
      ),
    ).toThrow(/^Invalid configuration: DATABASE_URL must be a URL of the form postgres:/);
  });
});

describe('parsers', () => {
  it.each(['127.0.0.1:9092', 'kafka-1:9092,kafka-2:9092', 'a.b.example:1', '[::1]:9092'])(
    'brokerList accepts %p',
    (raw) => {
      expect(brokerList().parse(raw)).toEqual(raw.split(','));
    },
  );

  it.each(['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost', 'chat-gateway', 'db.example.com'])(
    'hostAddress accepts %p',
    (raw) => {
      expect(hostAddress().parse(raw)).toBe(raw);
    },
  );

  it.each([
    '...',
    '[',
    '[::1]',
    '999.1.1.1',
    '1.2.3',
    '-edge',
    'a..b',
    'host name',
    'x'.repeat(64),
  ])('hostAddress rejects %p', (raw) => {
    expect(hostAddress().parse(raw)).toHaveProperty('expected');
  });

  it.each(['not a broker', 'localhost', 'host:99999', 'host:9092,', ':9092', 'host:port'])(
    'brokerList rejects %p',
    (raw) => {
      expect(brokerList().parse(raw)).toHaveProperty('expected');
    },
  );

  it.each([
    'postgres://u:p@localhost:5432/db',
    'postgresql://u@h/db',
    `postgres://u:p@db.example/chat?sslmode=verify-full&sslrootcert=${__filename}`,
    'postgres://u:p@db.example/chat?statement_timeout=30000&lock_timeout=0&connect_timeout=5',
    'postgres://u:p@db.example/chat?keepalives=1&keepalives_idle=60&query_timeout=60000',
    'postgres://u:p@db.example/chat?sslmode=require&uselibpqcompat=true',
    'postgres://u:p@db.example/chat?ssl=true&sslnegotiation=direct&application_name=gw',
  ])('postgresUrl accepts %p', (raw) => {
    expect(postgresUrl().parse(raw)).toBe(raw);
  });

  it.each([
    'not a url',
    'http://u:p@h/db',
    'postgres://u:p@h:5432',
    'postgres://u:p@h/a/b',
    // Would win over the service's own search path.
    'postgres://u:p@h/db?options=-c%20search_path%3Dpublic',
    'postgres://u:p@h/db?sslmode=require&search_path=public',
  ])('postgresUrl rejects %p', (raw) => {
    expect(postgresUrl().parse(raw)).toHaveProperty('expected');
  });

  it.each([
    ['query_timeout=abc', 'query_timeout is 0 (none) or a whole number of milliseconds'],
    ['statement_timeout=1', 'statement_timeout is 0 (none) or a whole number of milliseconds'],
    ['statement_timeout=abc', 'statement_timeout is 0 (none) or a whole number of milliseconds'],
    ['sslrootcert=/no/such/ca.pem', 'sslrootcert is a file this process can read'],
    ['ssl=false', 'ssl is true, 1, 0'],
    ['sslmode=strict', 'sslmode is disable, prefer, require, verify-ca, verify-full, no-verify'],
    ['connect_timeout=-1', 'connect_timeout is a whole number of seconds from 0 to 3600'],
    ['application_name=%0A', 'application_name is 1-63 printable characters'],
  ])(
    'postgresUrl names the parameter of %p and what it must be, never the password',
    (query, said) => {
      expect(() =>
        parseEnv(
          { DATABASE_URL: `postgres://u:hunter2@h/db?${query}` },
          { DATABASE_URL: postgresUrl() },
        ),
      ).toThrow(
        new RegExp(
          `^(?!.*hunter2)Invalid configuration: DATABASE_URL must be a URL whose ${said.replace(/[()]/g, '\\$&')}`,
        ),
      );
    },
  );

  it('integer rejects fractions, signs out of range and trailing text', () => {
    const spec = integer({ min: 1, max: 10 });
    expect(spec.parse('10')).toBe(10);
    for (const raw of ['0', '11', '1.5', '3abc', '1e1']) {
      expect(spec.parse(raw)).toHaveProperty('expected', 'a whole number from 1 to 10');
    }
  });

  it.each([
    '127.0.0.2',
    '10.0.0.0/8, uniquelocal',
    'loopback,::1,fd00::/8',
    '192.168.0.0/255.255.0.0',
  ])('trustedProxies accepts %p, as Express takes it', (raw) => {
    expect(trustedProxies().parse(raw)).toBe(
      raw
        .split(',')
        .map((entry) => entry.trim())
        .join(','),
    );
  });

  it.each([
    'garbage',
    '1',
    '10.0.0.0/33',
    '::1/129',
    '10.0.0.1/8/8',
    '10.0.0.0/ff',
    'true',
    '',
    '10.0.0.0/0',
    '::/0',
    '10.0.0.0/255.0.255.0',
    '10.0.0.0/0.0.0.0',
  ])('trustedProxies refuses %p, which Express would throw on at start', (raw) => {
    expect(trustedProxies().parse(raw)).toBeInstanceOf(VariableProblem);
  });

  it('list splits, trims and checks each entry', () => {
    const spec = list(/^[a-z]+$/, 'lower-case names');
    expect(spec.parse(' admin , ops,')).toEqual(['admin', 'ops']);
    expect(spec.parse('admin,Root')).toHaveProperty(
      'expected',
      'a comma-separated list of lower-case names',
    );
    // Separators alone are no list: SOCKET_ALLOWED_ORIGINS=" , " would refuse every browser.
    expect(spec.parse(' , ')).toBeInstanceOf(VariableProblem);
  });
});
