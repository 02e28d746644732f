import { createHash, randomUUID } from 'node:crypto';
import { UnauthorizedException } from '@nestjs/common';
import { AUTH_LOGINS_TOPIC, LOCAL_EDGE_SOURCE_ADDRESS, LOGIN_REVOKED } from '@scale-chat/contracts';
import { KafkaConnection } from '@scale-chat/platform';
import {
  requestFrom,
  startTestService,
  TopicLog,
  type TestService,
} from '@scale-chat/platform/testing';
import { eventually } from '@scale-chat/wait';
import { DataSource } from 'typeorm';
import { authService } from './app.module';
import type { AuthConfig } from './auth-config';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionsService } from './sessions/sessions.service';
import { AccountDeletionService } from './users/account-deletion.service';
import { insertTestUser } from './users/test-users';
import { User, type UserStatus } from './users/user.entity';

/** `length` CJK characters in no repeating run: an index row PostgreSQL cannot compress. */
const incompressible = (length: number) =>
  Array.from({ length }, (_, index) =>
    String.fromCharCode(0x4e00 + ((index * 7_919) % 20_000)),
  ).join('');

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

describe('auth: login, tokens and users (API.md "Users and tokens")', () => {
  let auth: TestService<AuthConfig>;

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<Answer> => {
    const response = await fetch(`${auth.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  };

  /** A user as the signup saga leaves it; signup itself runs through the orchestrator. */
  const createUser = async (
    username: string,
    status: UserStatus = 'active',
    password = 'correct horse',
  ): Promise<User> =>
    insertTestUser(auth.app, username, {
      status,
      password,
      displayName: username.toUpperCase(),
    });

  const loginAs = async (username: string, password = 'correct horse') => {
    const answer = await call('POST', '/api/auth/login', { username, password });
    expect(answer.status).toBe(200);
    return answer.body as { accessToken: string; refreshToken: string };
  };

  const count = async (table: string): Promise<number> => {
    const rows = (await auth.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM "${table}"`)) as { n: number }[];
    return rows[0]?.n ?? -1;
  };

  /** How many logins `username` has stored. */
  const loginsOf = async (username: string): Promise<number> => {
    const rows = (await auth.app.get(DataSource).query(
      `SELECT count(*)::int AS n FROM "login_families" f
         JOIN "users" u ON u."id" = f."user_id" WHERE u."username" = $1`,
      [username],
    )) as { n: number }[];
    return rows[0]?.n ?? -1;
  };

  beforeAll(async () => {
    auth = await startTestService(authService);
    await createUser('ann');
    await createUser('annabel');
    await createUser('bob');
    await createUser('pending_pat', 'pending');
    await createUser('an_x');
  });

  afterAll(async () => {
    await auth?.close();
  });

  describe('POST /api/auth/login', () => {
    it('answers 200 with a token pair and the user, whatever the case of the username', async () => {
      const answer = await call('POST', '/api/auth/login', {
        username: 'ANN',
        password: 'correct horse',
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        tokenType: 'Bearer',
        expiresIn: 900,
        user: { username: 'ann', displayName: 'ANN', status: 'active' },
      });
      expect(typeof answer.body['accessToken']).toBe('string');
      expect(typeof answer.body['refreshToken']).toBe('string');
      expect(answer.body['user']).not.toHaveProperty('passwordHash');
    });

    it('answers an unknown user and a wrong password with the same 401', async () => {
      const unknown = await call('POST', '/api/auth/login', {
        username: 'nobody',
        password: 'correct horse',
      });
      const wrong = await call('POST', '/api/auth/login', {
        username: 'ann',
        password: 'wrong horse',
      });
      expect(unknown).toEqual({
        status: 401,
        body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid username or password' },
      });
      expect(wrong).toEqual(unknown);
    });

    it('answers 403 for an account that is not active', async () => {
      expect(
        (
          await call('POST', '/api/auth/login', {
            username: 'pending_pat',
            password: 'correct horse',
          })
        ).status,
      ).toBe(403);
    });

    it.each([
      ['a missing field', { username: 'ann' }, 'password'],
      ['a field of the wrong type', { username: 'ann', password: 42 }, 'password'],
      ['a field too long', { username: 'a'.repeat(129), password: 'correct horse' }, 'username'],
      // Counted by the rate limits before validation: as keys they must not break them.
      [
        'a username of 4,000 characters',
        { username: incompressible(4_000), password: 'x' },
        'username',
      ],
      ['a NUL in the username', { username: 'ann\u0000', password: 'correct horse' }, 'username'],
      ['an extra field', { username: 'ann', password: 'correct horse', admin: true }, 'admin'],
    ])('answers 400 naming the field for %s, and stores nothing', async (_name, body, field) => {
      const before = await count('login_families');
      const answer = await call('POST', '/api/auth/login', body);
      expect(answer.status).toBe(400);
      expect(answer.body['error']).toBe('Bad Request');
      expect(JSON.stringify(answer.body['message'])).toContain(field);
      expect(await count('login_families')).toBe(before);
    });

    it('answers 401 and stores no login when the account deletion began after the password was checked', async () => {
      const user = await createUser('late_lou');
      const sessions = auth.app.get(SessionsService);
      const checked = await sessions.authenticate('late_lou', 'correct horse', '127.0.0.1');
      await auth.app.get(AccountDeletionService).requestDeletion(user.id);

      await expect(sessions.login(checked, '127.0.0.1')).rejects.toBeInstanceOf(
        UnauthorizedException,
      );
      const logins = (await auth.app
        .get(DataSource)
        .query(`SELECT count(*)::int AS n FROM "login_families" WHERE "user_id" = $1`, [
          user.id,
        ])) as { n: number }[];
      expect(logins[0]?.n).toBe(0);
    });

    it('keeps LOGINS_PER_USER_MAX logins of a user: a login past it ends those used longest ago, as logouts', async () => {
      const user = await createUser('many_logins');
      const max = auth.config.extra.LOGINS_PER_USER_MAX;
      const dataSource = auth.app.get(DataSource);
      // Begun two days ago, but refreshed just now (its token is new): in use.
      const inUse = await loginAs('many_logins');
      await dataSource.query(
        `UPDATE "login_families" SET "created_at" = now() - interval '2 days' WHERE "user_id" = $1`,
        [user.id],
      );
      // Then max more, begun a day ago a second apart and never refreshed: one over the
      // cap already, as a cap lowered since would leave them.
      const dayAgo = new Date(Date.now() - 24 * 60 * 60 * 1000);
      await dataSource.query(
        `INSERT INTO "login_families" ("id", "user_id", "created_at")
         SELECT gen_random_uuid(), $1, $3::timestamptz + make_interval(secs => n)
           FROM generate_series(1, $2::int) AS n`,
        [user.id, max, dayAgo],
      );
      const latest = await loginAs('many_logins');

      const revoked = (await dataSource.query(
        `SELECT "revoke_reason" AS "reason",
                extract(epoch FROM "created_at" - $2::timestamptz)::int AS "secs"
           FROM "login_families" WHERE "user_id" = $1 AND "revoked_at" IS NOT NULL
          ORDER BY "created_at"`,
        [user.id, dayAgo],
      )) as { reason: string; secs: number }[];
      // The two used longest ago: the first two of the day-old ones.
      expect(revoked).toEqual([
        { reason: 'logout', secs: 1 },
        { reason: 'logout', secs: 2 },
      ]);
      for (const tokens of [inUse, latest])
        expect(
          (await call('POST', '/api/auth/refresh', { refreshToken: tokens.refreshToken })).status,
        ).toBe(200);
      const [live] = (await dataSource.query(
        `SELECT count(*)::int AS n FROM "login_families" WHERE "user_id" = $1 AND "revoked_at" IS NULL`,
        [user.id],
      )) as { n: number }[];
      expect(live?.n).toBe(max);
    });

    it('answers 413 in the error shape to a body over the limit, and stores nothing', async () => {
      const before = await count('login_families');
      const answer = await call('POST', '/api/auth/login', {
        username: 'ann',
        password: 'x'.repeat(200_000),
      });
      expect(answer.status).toBe(413);
      expect(answer.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      expect(await count('login_families')).toBe(before);
    });

    it('answers 429 with Retry-After to a flood of attempts on one account, and stores nothing', async () => {
      await createUser('flooded');
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 12; attempt++) {
        statuses.push(
          (await call('POST', '/api/auth/login', { username: 'flooded', password: 'guess' }))
            .status,
        );
      }
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses.slice(10)).toEqual([429, 429]);
      const response = await fetch(`${auth.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'FLOODED', password: 'correct horse' }),
      });
      expect(response.status).toBe(429);
      const retryAfter = response.headers.get('retry-after');
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect(await response.json()).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: `Too many requests; try again in ${retryAfter} s`,
      });
      expect(await loginsOf('flooded')).toBe(0);
      // The owner, from another address (through the edge), is not locked out by them.
      const owner = await requestFrom(`${auth.url}/api/auth/login`, {
        method: 'POST',
        localAddress: LOCAL_EDGE_SOURCE_ADDRESS,
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.7.7.7' },
        body: JSON.stringify({ username: 'flooded', password: 'correct horse' }),
      });
      expect(owner.status).toBe(200);
    });

    describe('an account whose password is guessed from many addresses', () => {
      /** A login attempt for `username` from the client `address` (through the edge). */
      const loginFrom = (address: string, username: string, password: string) =>
        requestFrom(`${auth.url}/api/auth/login`, {
          method: 'POST',
          localAddress: LOCAL_EDGE_SOURCE_ADDRESS,
          headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
          body: JSON.stringify({ username, password }),
        });
      /** Password checks counted against `username` in its window (stored by hash). */
      const failuresOf = async (username: string) => {
        const rows = (await auth.app
          .get(DataSource)
          .query(
            `SELECT "hits" FROM "rate_limit_windows" WHERE "rule" = 'login-failures-account' AND "key" = $1`,
            [createHash('sha256').update(username).digest('base64url')],
          )) as { hits: number }[];
        return rows[0]?.hits ?? 0;
      };
      /** One wrong password from each of `count` addresses no one logged in from. */
      const guess = async (username: string, count: number, network: string) => {
        const statuses: number[] = [];
        for (let host = 1; host <= count; host++)
          statuses.push((await loginFrom(`${network}.${host}`, username, 'guess')).status);
        return statuses;
      };

      it('answers 429 from networks it never logged in from, before any password check, once LOGIN_FAILURES_PER_ACCOUNT_MAX were wrong; its owner still logs in from home', async () => {
        const max = auth.config.extra.LOGIN_FAILURES_PER_ACCOUNT_MAX;
        await createUser('guessed');
        expect((await loginFrom('10.61.0.1', 'guessed', 'correct horse')).status).toBe(200);
        // A right password is no guess: its check is given back.
        expect(await failuresOf('guessed')).toBe(0);

        // Each address is far inside its own limits: only the account's count can stop them.
        expect(await guess('guessed', max, '10.62.0')).toEqual(Array(max).fill(401));
        expect(await failuresOf('guessed')).toBe(max);
        const stranger = await loginFrom('10.63.0.1', 'GUESSED', 'correct horse');
        expect(stranger.status).toBe(429);
        const retryAfter = Number(stranger.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(15 * 60);
        expect(JSON.parse(stranger.body)).toEqual({
          statusCode: 429,
          error: 'Too Many Requests',
          message: `Too many requests; try again in ${retryAfter} s`,
        });
        expect((await loginFrom('10.63.0.2', 'guessed', 'guess')).status).toBe(429);
        expect(await loginsOf('guessed')).toBe(1);

        // From the address of its login, the owner is let through.
        expect((await loginFrom('10.61.0.1', 'guessed', 'correct horse')).status).toBe(200);
        expect((await loginFrom('10.61.0.1', 'guessed', 'guess')).status).toBe(401);
      });

      it('counts checks that come at once one by one: of twice the limit at once, only the limit are checked', async () => {
        const max = auth.config.extra.LOGIN_FAILURES_PER_ACCOUNT_MAX;
        await createUser('stormed');
        const statuses = await Promise.all(
          Array.from(
            { length: 2 * max },
            async (_, host) => (await loginFrom(`10.66.0.${host + 1}`, 'stormed', 'guess')).status,
          ),
        );
        expect(statuses.filter((status) => status === 401)).toHaveLength(max);
        expect(statuses.filter((status) => status === 429)).toHaveLength(max);
      });

      it('answers a username no one has the same way, so the answers name no accounts', async () => {
        const max = auth.config.extra.LOGIN_FAILURES_PER_ACCOUNT_MAX;
        expect(await guess('no_such_user', max, '10.64.0')).toEqual(Array(max).fill(401));
        expect((await loginFrom('10.65.0.1', 'no_such_user', 'guess')).status).toBe(429);
      });
    });

    it('answers 400 to a body that is not JSON', async () => {
      expect((await call('POST', '/api/auth/login', '{"username": ')).status).toBe(400);
    });
  });

  describe('POST /api/auth/refresh', () => {
    it('rotates: a new pair each time; replaying an old token revokes the whole login', async () => {
      const first = await loginAs('bob');
      const second = (await call('POST', '/api/auth/refresh', { refreshToken: first.refreshToken }))
        .body as typeof first;
      const third = await call('POST', '/api/auth/refresh', { refreshToken: second.refreshToken });
      expect(third.status).toBe(200);
      const latest = third.body as typeof first;
      expect(new Set([first.refreshToken, second.refreshToken, latest.refreshToken]).size).toBe(3);

      const replay = await call('POST', '/api/auth/refresh', { refreshToken: first.refreshToken });
      expect(replay).toEqual({
        status: 401,
        body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid refresh token' },
      });
      expect(
        (await call('POST', '/api/auth/refresh', { refreshToken: latest.refreshToken })).status,
      ).toBe(401);
      expect((await call('GET', '/api/users/me', undefined, latest.accessToken)).status).toBe(401);
    });

    it('answers 401 to an access token sent as the refresh token, as to any that does not work', async () => {
      const { accessToken } = await loginAs('bob');
      expect(await call('POST', '/api/auth/refresh', { refreshToken: accessToken })).toEqual({
        status: 401,
        body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid refresh token' },
      });
    });

    it('clears expired tokens and the logins left with none; a used token that has not expired still gives its login away', async () => {
      await createUser('carl');
      const first = await loginAs('carl');
      const second = (await call('POST', '/api/auth/refresh', { refreshToken: first.refreshToken }))
        .body as typeof first;
      const old = await loginAs('carl');
      const dataSource = auth.app.get(DataSource);
      const familyOf = async (refreshToken: string) => {
        const hash = createHash('sha256').update(refreshToken).digest('hex');
        const [row] = (await dataSource.query(
          `SELECT "family_id" FROM "refresh_tokens" WHERE "token_hash" = $1`,
          [hash],
        )) as { family_id: string }[];
        return row?.family_id;
      };
      // The second login as it stands a month later: its token expired.
      const oldFamily = await familyOf(old.refreshToken);
      expect(oldFamily).toBeDefined();
      await dataSource.query(
        `UPDATE "refresh_tokens" SET "expires_at" = now() - interval '1 day' WHERE "family_id" = $1`,
        [oldFamily],
      );
      await dataSource.query(
        `UPDATE "login_families" SET "created_at" = now() - interval '31 days' WHERE "id" = $1`,
        [oldFamily],
      );

      await auth.app.get(SessionsRepository).deleteExpired();

      const left = async (table: string, column: string) =>
        (
          (await dataSource.query(`SELECT 1 FROM "${table}" WHERE "${column}" = $1`, [
            oldFamily,
          ])) as unknown[]
        ).length;
      expect([
        await left('login_families', 'id'),
        await left('refresh_tokens', 'family_id'),
      ]).toEqual([0, 0]);
      expect(await familyOf(first.refreshToken)).toBeDefined();
      const replay = await call('POST', '/api/auth/refresh', { refreshToken: first.refreshToken });
      expect(replay.status).toBe(401);
      expect(
        (await call('POST', '/api/auth/refresh', { refreshToken: second.refreshToken })).status,
      ).toBe(401);
    });

    it('answers 401 to a token it never issued', async () => {
      expect((await call('POST', '/api/auth/refresh', { refreshToken: 'made-up' })).status).toBe(
        401,
      );
    });
  });

  describe('POST /api/auth/logout', () => {
    it("answers 204 and ends that login's tokens, and tells Kafka", async () => {
      const tokens = await loginAs('ann');
      expect((await call('GET', '/api/users/me', undefined, tokens.accessToken)).status).toBe(200);
      expect(
        (await call('POST', '/api/auth/logout', { refreshToken: tokens.refreshToken })).status,
      ).toBe(204);
      expect(
        (await call('POST', '/api/auth/refresh', { refreshToken: tokens.refreshToken })).status,
      ).toBe(401);
      expect((await call('GET', '/api/users/me', undefined, tokens.accessToken)).status).toBe(401);
      // What auth published (its outbox rows are deleted once sent).
      const published = await TopicLog.start(auth.app.get(KafkaConnection).kafka, [
        `${auth.config.kafkaTopicPrefix}${AUTH_LOGINS_TOPIC.name}`,
      ]);
      try {
        await eventually('the logout published as login.revoked', () =>
          published
            .events()
            .some(
              ({ envelope }) =>
                envelope.type === LOGIN_REVOKED &&
                (envelope.data as { reason: string }).reason === 'logout',
            ),
        );
      } finally {
        await published.stop();
      }
    });

    it('answers 204 to a token it does not know', async () => {
      expect((await call('POST', '/api/auth/logout', { refreshToken: 'made-up' })).status).toBe(
        204,
      );
    });
  });

  describe('GET /api/users/me, /api/users, /api/users/:id', () => {
    let token: string;

    beforeAll(async () => {
      token = (await loginAs('annabel')).accessToken;
    });

    it('answers 401 without a token or with a forged one', async () => {
      expect((await call('GET', '/api/users/me')).status).toBe(401);
      expect(
        (await call('GET', '/api/users/me', undefined, `${token.slice(0, -4)}AAAA`)).status,
      ).toBe(401);
      expect((await call('GET', '/api/users', undefined, 'not-a-token')).status).toBe(401);
    });

    it('GET /api/users/me answers the caller', async () => {
      expect((await call('GET', '/api/users/me', undefined, token)).body).toMatchObject({
        username: 'annabel',
      });
    });

    it('searches active users by username prefix, case-insensitively, within the limit', async () => {
      const names = async (query: string) =>
        (
          (await call('GET', `/api/users?${query}`, undefined, token)).body['items'] as {
            username: string;
          }[]
        ).map((user) => user.username);
      expect(await names('query=AN')).toEqual(['an_x', 'ann', 'annabel']);
      expect(await names('query=an&limit=1')).toEqual(['an_x']);
      expect(await names('query=pending')).toEqual([]);
      // "_" is a literal underscore, not a wildcard.
      expect(await names('query=an_')).toEqual(['an_x']);
    });

    it('finds at most 20 users when no limit is given', async () => {
      const many = Array.from(
        { length: 25 },
        (_, index) => `lim_${String(index + 1).padStart(2, '0')}`,
      );
      for (const username of many) await createUser(username);
      // A searcher of its own: the other tests spend annabel's search budget.
      await createUser('limit_searcher');
      const searcher = (await loginAs('limit_searcher')).accessToken;
      const answer = await call('GET', '/api/users?query=lim_', undefined, searcher);
      expect(answer.status).toBe(200);
      expect((answer.body['items'] as { username: string }[]).map((user) => user.username)).toEqual(
        many.slice(0, 20),
      );
    });

    it('has the search keys index, valid, though it was built CONCURRENTLY outside a transaction', async () => {
      const indexes = (await auth.app.get(DataSource).query(
        `SELECT i.indisvalid AS valid FROM pg_index i
           JOIN pg_class c ON c.oid = i.indexrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relname = 'IDX_users_search_folded_keys' AND n.nspname = current_schema()`,
      )) as { valid: boolean }[];
      expect(indexes).toEqual([{ valid: true }]);
    });

    /** A user called `displayName`. */
    const named = async (username: string, displayName: string, status: UserStatus = 'active') => {
      const user = await createUser(username, status);
      await auth.app.get(DataSource).getRepository(User).update(user.id, { displayName });
    };
    /** The usernames `GET /api/users?query=` finds for the caller of `as` (a search budget each). */
    const names = async (query: string, as = token) => {
      const answer = await call(
        'GET',
        `/api/users?query=${encodeURIComponent(query)}`,
        undefined,
        as,
      );
      expect(answer.status).toBe(200);
      return (answer.body['items'] as { username: string }[]).map((user) => user.username);
    };

    it('also finds active users by a word of the display name, in any script (API.md v1.1)', async () => {
      await named('dn_kim', '김민지 Kim');
      await named('dn_lee', 'Ann-Marie Lee');
      await named('dn_cyr', 'Анна Петрова');
      await named('dn_pending', '김민수', 'pending');
      // Outside the username alphabet: display names only, any script, any word.
      expect(await names('김민')).toEqual(['dn_kim']);
      expect(await names('петр')).toEqual(['dn_cyr']);
      expect(await names('ann-marie ')).toEqual(['dn_lee']);
      expect(await names('%')).toEqual([]);
      // Inside it: usernames and words of display names alike, case-insensitively.
      expect(await names('LEE')).toEqual(['dn_lee']);
      expect(await names('kim')).toEqual(['dn_kim']);
      expect(await names('dn_')).toEqual(['dn_cyr', 'dn_kim', 'dn_lee']);
      // A word's middle is no word's start.
      expect(await names('inji')).toEqual([]);
      expect(await names('arie')).toEqual([]);
    });

    it('folds the query as it folds display names: final sigma, dotted I, accents', async () => {
      await named('fold_nikos', 'ΝΙΚΟΣ');
      await named('fold_odys', 'Οδυσσεύς');
      await named('fold_ilker', 'İlker Öz');
      await named('fold_cafe', 'Café Amélie');
      await named('fold_korean', '박서준');
      // A searcher of its own: the tests before spent annabel's search budget.
      await createUser('fold_searcher');
      const searcher = (await loginAs('fold_searcher')).accessToken;
      const found = (query: string) => names(query, searcher);
      // Each name typed exactly, and in the other case, finds its user.
      expect(await found('ΝΙΚΟΣ')).toEqual(['fold_nikos']);
      expect(await found('Νικος')).toEqual(['fold_nikos']);
      expect(await found('Οδυσσεύς')).toEqual(['fold_odys']);
      expect(await found('ΟΔΥΣΣΕΎΣ')).toEqual(['fold_odys']);
      expect(await found('İlker')).toEqual(['fold_ilker']);
      expect(await found('ilk')).toEqual(['fold_ilker']);
      // A decomposed accent finds the composed one it looks like; accents are not needed.
      expect(await found('Amélie'.normalize('NFD'))).toEqual(['fold_cafe']);
      expect(await found('CAFÉ'.normalize('NFD'))).toEqual(['fold_cafe']);
      expect(await found('amelie')).toEqual(['fold_cafe']);
      // Greek capitals are written without their accents: "ΟΔΥΣΣΕΥΣ" finds "Οδυσσεύς".
      expect(await found('ΟΔΥΣΣΕΥΣ')).toEqual(['fold_odys']);
      expect(await found('οδυσσευς')).toEqual(['fold_odys']);
      // Hangul is left whole (its decomposition is no accent): a syllable finds its own.
      expect(await found('박서')).toEqual(['fold_korean']);
      expect(await found('박사')).toEqual([]);
      // Compared as whole syllables: the jamo of "박서주" start those of "박서준", but
      // "박서주" is no start of "박서준".
      expect(await found('박서주')).toEqual([]);
    });

    it.each([`query=${'a'.repeat(65)}`, 'query=a%0Ab', 'query=dn_%09', 'query=&limit='])(
      'answers 200 to %s: any query searches (API.md v1.1), whatever it finds',
      async (query) => {
        const answer = await call('GET', `/api/users?${query}`, undefined, token);
        expect(answer.status).toBe(200);
        expect(answer.body['items']).toEqual(query.startsWith('query=&') ? expect.any(Array) : []);
      },
    );

    it.each(['limit=0', 'limit=51', 'limit=ten', 'query=a%00b', 'query=a&query=b', 'other=1'])(
      'answers 400 to %s',
      async (query) => {
        expect((await call('GET', `/api/users?${query}`, undefined, token)).status).toBe(400);
      },
    );

    it('GET /api/users/:id answers the user, or 404', async () => {
      const me = (await call('GET', '/api/users/me', undefined, token)).body;
      expect((await call('GET', `/api/users/${String(me['id'])}`, undefined, token)).body).toEqual(
        me,
      );
      expect((await call('GET', `/api/users/${randomUUID()}`, undefined, token)).status).toBe(404);
      expect((await call('GET', '/api/users/not-a-uuid', undefined, token)).status).toBe(404);
    });
  });

  it('answers a method a path does not take 405 with Allow, and a path no route has 404', async () => {
    const tokens = await loginAs('bob');
    const answer = async (method: string, path: string) => {
      const response = await fetch(`${auth.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens.accessToken}` },
      });
      return {
        status: response.status,
        allow: response.headers.get('allow'),
        body: (await response.json()) as unknown,
      };
    };
    expect(await answer('PUT', '/api/users/me')).toEqual({
      status: 405,
      allow: 'DELETE, GET, HEAD',
      body: {
        statusCode: 405,
        error: 'Method Not Allowed',
        message: 'This path takes DELETE, GET, HEAD, not PUT',
      },
    });
    expect(await answer('GET', '/api/auth/login')).toMatchObject({ status: 405, allow: 'POST' });
    expect(await answer('PATCH', `/api/users/${randomUUID()}`)).toMatchObject({
      status: 405,
      allow: 'GET, HEAD',
    });
    // No route has the path: 404, as before; nor does a route's own 404 change.
    expect(await answer('GET', '/api/nowhere')).toMatchObject({ status: 404, allow: null });
    expect(await answer('GET', `/api/users/${randomUUID()}`)).toMatchObject({
      status: 404,
      body: { message: 'User not found' },
    });
  });

  it('stores passwords as argon2id with 19 MiB, 2 iterations, 1 lane', async () => {
    const user = await auth.app
      .get(DataSource)
      .getRepository(User)
      .findOneByOrFail({ username: 'ann' });
    expect(user.passwordHash).toMatch(
      /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/,
    );
  });
});
