import { randomUUID } from 'node:crypto';
import {
  AUTH_LOGINS_TOPIC,
  LOGIN_REVOKED,
  SAGA_COMMAND_TOPICS,
  SAGA_COMMANDS,
  SAGA_EVENT_TYPES,
  SAGA_REPLIES_TOPIC,
  SAGA_REQUESTS_TOPIC,
  SAGA_TYPES_OF_COMMAND,
  type SagaCommand,
  type SagaCommandName,
  type SagaReply,
} from '@scale-chat/contracts';
import { forgetOldSagaAnswers, KafkaConnection } from '@scale-chat/platform';
import { startTestService, TopicLog, type TestService } from '@scale-chat/platform/testing';
import { eventuallyValue } from '@scale-chat/wait';
import { Partitioners } from 'kafkajs';
import { DataSource } from 'typeorm';
import { authService } from '../app.module';
import type { AuthConfig } from '../auth-config';
import { PENDING_SIGNUP_KEPT_MS, StaleSignups } from '../users/stale-signups';
import { User } from '../users/user.entity';

jest.setTimeout(30_000);

describe('POST /api/auth/signup and auth as a saga participant', () => {
  let auth: TestService<AuthConfig>;
  /** What auth published (its outbox rows are deleted once sent). */
  let published: TopicLog;
  const topic = (name: string) => `${auth.config.kafkaTopicPrefix}${name}`;
  /** The events auth published on the topic, by type (and key). */
  const events = (topicName: string, type: string, key?: string) =>
    published
      .events(topic(topicName))
      .filter(
        (record) => record.envelope.type === type && (key === undefined || record.key === key),
      )
      .map((record) => record.envelope);
  /** Once auth's outbox is empty and every record it sent has been read. */
  const allPublished = () => published.waitForAllSentBy(auth.app.get(DataSource));

  const signup = async (body: unknown) => {
    const response = await fetch(`${auth.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const users = () => auth.app.get(DataSource).getRepository(User);

  /**
   * What the orchestrator would send auth: a command on auth's command topic. A copy of
   * an earlier command (sent again) has its saga and kind; each copy is a new event.
   */
  const command = async (
    name: string,
    userId: string,
    {
      service = auth,
      sagaId = randomUUID(),
      kind = 'execute',
      sagaType,
    }: {
      service?: TestService<AuthConfig>;
      sagaId?: string;
      kind?: SagaCommand['kind'];
      sagaType?: string;
    } = {},
  ) => {
    const data: SagaCommand = {
      sagaId,
      commandId: `${sagaId}:0:${kind}`,
      // The saga type that sends it (a command of another type's saga is refused).
      sagaType:
        sagaType ??
        (Object.hasOwn(SAGA_TYPES_OF_COMMAND, name)
          ? (SAGA_TYPES_OF_COMMAND[name as SagaCommandName][0] ?? 'signup')
          : 'signup'),
      kind,
      participant: 'auth',
      name,
      payload: { userId, username: 'someone', displayName: 'Someone' },
    };
    const producer = auth.app
      .get(KafkaConnection)
      .kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: `${service.config.kafkaTopicPrefix}${SAGA_COMMAND_TOPICS.auth.name}`,
      messages: [
        {
          key: sagaId,
          value: JSON.stringify({
            id: randomUUID(),
            type: SAGA_EVENT_TYPES.command,
            occurredAt: new Date().toISOString(),
            data,
          }),
        },
      ],
    });
    await producer.disconnect();
    return sagaId;
  };

  /** The first `count` replies for the saga, in the order auth sent them. */
  const repliesTo = async (sagaId: string, count: number): Promise<SagaReply[]> =>
    (
      await eventuallyValue(
        `${count} replies for saga ${sagaId}`,
        () => events(SAGA_REPLIES_TOPIC.name, SAGA_EVENT_TYPES.reply, sagaId),
        (replies) => replies.length >= count,
      )
    )
      .slice(0, count)
      .map((reply) => reply.data as SagaReply);

  const replyTo = async (sagaId: string): Promise<SagaReply> => {
    const [reply] = await repliesTo(sagaId, 1);
    return reply as SagaReply;
  };

  /**
   * The database refuses the next update of the user once (a check violation, as a
   * constraint would): a sequence, which a rollback does not undo, counts the tries.
   */
  const refuseNextUpdateOnce = async (userId: string) => {
    const name = `refuse_${userId.replaceAll('-', '_')}`;
    const database = auth.app.get(DataSource);
    await database.query(`CREATE SEQUENCE "${name}"`);
    await database.query(`
      CREATE FUNCTION "${name}"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('"${name}"') = 1 THEN
          RAISE EXCEPTION 'refused once by the test' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await database.query(
      `CREATE TRIGGER "${name}" BEFORE UPDATE ON "users" FOR EACH ROW
        WHEN (OLD."id" = '${userId}') EXECUTE FUNCTION "${name}"()`,
    );
  };

  beforeAll(async () => {
    // No orchestrator runs here: every signup stays pending, and the wait is short. The
    // specs sign up more users than one client may in a minute.
    auth = await startTestService(authService, {
      SIGNUP_WAIT_MS: '300',
      SIGNUP_RATE_LIMIT_PER_MINUTE: '1000',
    });
    published = await TopicLog.start(
      auth.app.get(KafkaConnection).kafka,
      [SAGA_REQUESTS_TOPIC, SAGA_REPLIES_TOPIC, AUTH_LOGINS_TOPIC].map(({ name }) => topic(name)),
    );
  });

  afterAll(async () => {
    await published?.stop();
    await auth?.close();
  });

  it('stores the user pending with the request that starts the saga, and answers 202 when it does not finish in time', async () => {
    const answer = await signup({
      username: 'Dora',
      password: 'long enough',
      displayName: 'Dora D.',
    });
    expect(answer).toMatchObject({
      status: 202,
      body: { username: 'dora', displayName: 'Dora D.', status: 'pending' },
    });
    await allPublished();
    expect(
      events(SAGA_REQUESTS_TOPIC.name, SAGA_EVENT_TYPES.start).map((e) => e.data),
    ).toContainEqual(
      expect.objectContaining({
        sagaType: 'signup',
        payload: expect.objectContaining({ userId: answer.body['id'] }),
      }),
    );
  });

  it('discards a signup still pending a day later, freeing its username, and leaves younger ones', async () => {
    const old = await signup({ username: 'stale', password: 'long enough' });
    const young = await signup({ username: 'fresh', password: 'long enough' });
    await users().update(
      { id: String(old.body['id']) },
      {
        createdAt: new Date(Date.now() - PENDING_SIGNUP_KEPT_MS - 60_000),
      },
    );
    expect(await auth.app.get(StaleSignups).discard()).toBe(1);
    expect(await users().findOneBy({ id: String(old.body['id']) })).toBeNull();
    expect(await users().findOneBy({ id: String(young.body['id']) })).not.toBeNull();
    expect((await signup({ username: 'stale', password: 'long enough' })).status).toBe(202);
  });

  it('answers 409 to a username that is taken, whatever its case', async () => {
    await signup({ username: 'eve', password: 'long enough' });
    expect((await signup({ username: 'EVE', password: 'other enough' })).status).toBe(409);
  });

  it('lets exactly one of two concurrent signups for one username through', async () => {
    const answers = await Promise.all([
      signup({ username: 'twin', password: 'long enough' }),
      signup({ username: 'TWIN', password: 'other enough' }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409]);
    expect(await users().countBy({ username: 'twin' })).toBe(1);
  });

  it.each([
    ['a username too short', { username: 'ab', password: 'long enough' }, 'username'],
    ['a username with a space', { username: 'a b c', password: 'long enough' }, 'username'],
    [
      'a username of 33 characters',
      { username: 'u'.repeat(33), password: 'long enough' },
      'username',
    ],
    ['a password too short', { username: 'shorty', password: 'short' }, 'password'],
    [
      'a password of 129 characters',
      { username: 'longpass', password: 'p'.repeat(129) },
      'password',
    ],
    [
      'a display name too long',
      { username: 'longname', password: 'long enough', displayName: 'x'.repeat(65) },
      'displayName',
    ],
    ['an extra field', { username: 'extra', password: 'long enough', status: 'active' }, 'status'],
    [
      // 128 code points, as API.md and the rest of the API count characters (a variation
      // selector is one).
      'a display name of 64 emoji with variation selectors',
      { username: 'hearts', password: 'long enough', displayName: '\u2764\uFE0F'.repeat(64) },
      'displayName',
    ],
    [
      'a display name with a NUL character (PostgreSQL stores none)',
      { username: 'nully', password: 'long enough', displayName: 'a\u0000b' },
      'displayName',
    ],
    [
      'a display name with a line break and a bell',
      { username: 'belly', password: 'long enough', displayName: 'Evil\nName\u0007' },
      'displayName must not contain control characters',
    ],
    [
      'a display name that shows backwards (a right-to-left override)',
      { username: 'mirror', password: 'long enough', displayName: 'Ann\u202Egnp.exe' },
      'displayName must not contain control characters',
    ],
    [
      'a display name that shows blank (a Hangul filler)',
      { username: 'fillery', password: 'long enough', displayName: '\u3164' },
      'displayName must not contain invisible characters',
    ],
  ])('answers 400 naming the field for %s, and stores nothing', async (_name, body, field) => {
    const before = await users().count();
    const answer = await signup(body);
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body['message'])).toContain(field);
    expect(await users().count()).toBe(before);
  });

  it('takes a display name of spaces alone as none: the username stands in', async () => {
    // API.md allows 1–64 characters; shown as they are, they would show nobody at all.
    const answer = await signup({
      username: 'blanky',
      password: 'long enough',
      // An ideographic space too (a tab is a control character, refused in a name).
      displayName: ' \u3000 ',
    });
    expect([201, 202]).toContain(answer.status);
    expect(answer.body).toMatchObject({ username: 'blanky', displayName: 'blanky' });
  });

  it('counts a password in code points, as the rest of the API counts characters', async () => {
    // Seven letters and a variation selector: eight characters.
    const answer = await signup({ username: 'selector', password: 'passwor\uFE0F' });
    expect(answer.status).toBe(202);
  });

  it('activates a pending user on command, then the user can log in', async () => {
    const { body } = await signup({ username: 'frank', password: 'long enough' });
    const reply = await replyTo(await command(SAGA_COMMANDS.activateUser, String(body['id'])));
    expect(reply.outcome).toBe('succeeded');
    expect((await users().findOneByOrFail({ username: 'frank' })).status).toBe('active');
    const login = await fetch(`${auth.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'frank', password: 'long enough' }),
    });
    expect(login.status).toBe(200);
  });

  it('discards a pending user on command (twice is like once), freeing the username', async () => {
    const { body } = await signup({ username: 'gina', password: 'long enough' });
    expect(
      (await replyTo(await command(SAGA_COMMANDS.discardPendingUser, String(body['id'])))).outcome,
    ).toBe('succeeded');
    expect(
      (await replyTo(await command(SAGA_COMMANDS.discardPendingUser, String(body['id'])))).outcome,
    ).toBe('succeeded');
    expect(await users().findOneBy({ username: 'gina' })).toBeNull();
    expect((await signup({ username: 'gina', password: 'long enough' })).status).toBe(202);
  });

  it('answers 503 when the saga failed and its compensation discarded the user, and frees the username', async () => {
    const patient = await startTestService(authService, { SIGNUP_WAIT_MS: '10000' });
    try {
      const pending = fetch(`${patient.url}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'kim', password: 'long enough' }),
      });
      const repository = patient.app.get(DataSource).getRepository(User);
      let user: User | null = null;
      while (user === null) {
        user = await repository.findOneBy({ username: 'kim' });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // What the orchestrator sends when the profile step fails.
      await command(SAGA_COMMANDS.discardPendingUser, user.id, { service: patient });
      const answer = await pending;
      expect(answer.status).toBe(503);
      expect(await answer.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'Signup could not be completed; please try again',
      });
      expect(await repository.findOneBy({ username: 'kim' })).toBeNull();
    } finally {
      await patient.close();
    }
  });

  it.each(['auth.fly-to-the-moon', 'constructor', 'toString', '__proto__'])(
    'answers a command it does not know (%s) with a failure',
    async (name) => {
      expect(await replyTo(await command(name, randomUUID()))).toEqual(
        expect.objectContaining({ outcome: 'failed', reason: `unknown command ${name}` }),
      );
    },
  );

  it.each([['not-a-uuid'], [undefined]])(
    'fails a command naming no valid user id (%p) instead of asking the database',
    async (userId) => {
      const reply = await replyTo(await command(SAGA_COMMANDS.activateUser, userId as string));
      expect(reply).toMatchObject({ outcome: 'failed' });
      expect(String(reply.reason)).not.toContain('refused by the database');
    },
  );

  it('fails a command sent by a saga of a type that does not send it, and runs nothing', async () => {
    const { body } = await signup({ username: 'olga', password: 'long enough' });
    const id = String(body['id']);
    const reply = await replyTo(
      await command(SAGA_COMMANDS.activateUser, id, { sagaType: 'account-deletion' }),
    );
    expect(reply).toMatchObject({
      outcome: 'failed',
      reason: 'auth.activate-user is not a step of account-deletion sagas',
    });
    expect((await users().findOneByOrFail({ id })).status).toBe('pending');
  });

  it('answers a copy of a step the database refused as it answered the first, and runs nothing', async () => {
    // The orchestrator undoes the steps before a refused one; a copy it sent before the
    // refusal arrived (the step had timed out) must not do the step afterwards.
    const { body } = await signup({ username: 'lena', password: 'long enough' });
    const id = String(body['id']);
    await refuseNextUpdateOnce(id);
    const sagaId = await command(SAGA_COMMANDS.activateUser, id);
    await command(SAGA_COMMANDS.activateUser, id, { sagaId });
    const [first, copy] = await repliesTo(sagaId, 2);
    expect(first).toMatchObject({ outcome: 'failed' });
    expect(String(first?.reason)).toContain('refused once by the test');
    expect(copy).toEqual(first);
    expect((await users().findOneByOrFail({ id })).status).toBe('pending');
  });

  it('runs a copy that names another command under the same id, as a changed saga would send', async () => {
    const { body } = await signup({ username: 'mira', password: 'long enough' });
    const id = String(body['id']);
    await refuseNextUpdateOnce(id);
    const sagaId = await command(SAGA_COMMANDS.activateUser, id);
    await command(SAGA_COMMANDS.discardPendingUser, id, { sagaId });
    const [first, other] = await repliesTo(sagaId, 2);
    expect([first?.outcome, other?.outcome]).toEqual(['failed', 'succeeded']);
    expect(await users().findOneBy({ id })).toBeNull();
  });

  it('does not run a step that comes after its undo succeeded, and says so', async () => {
    // The step's command was late (a backlog, a dead letter sent again by hand): the saga
    // timed it out and undid it first.
    const { body } = await signup({ username: 'nora', password: 'long enough' });
    const id = String(body['id']);
    const sagaId = await command(SAGA_COMMANDS.restoreUser, id, { kind: 'compensate' });
    expect((await replyTo(sagaId)).outcome).toBe('succeeded');
    await command(SAGA_COMMANDS.activateUser, id, { sagaId });
    const [, late] = await repliesTo(sagaId, 2);
    expect(late).toEqual({
      sagaId,
      commandId: `${sagaId}:0:execute`,
      outcome: 'failed',
      reason: 'undone before it ran',
    });
    expect((await users().findOneByOrFail({ id })).status).toBe('pending');
  });

  it('forgets answers older than a week, a thousand at a time, and keeps the others', async () => {
    const database = auth.app.get(DataSource);
    const old = Array.from({ length: 1_001 }, () => `${randomUUID()}:0:execute`);
    const recent = `${randomUUID()}:0:execute`;
    await database.query(
      `INSERT INTO "saga_command_replies" ("command_id", "name", "reply", "answered_at")
       SELECT id, 'auth.activate-user', '{}'::jsonb, now() - interval '8 days' FROM unnest($1::text[]) AS id
       UNION ALL SELECT $2, 'auth.activate-user', '{}'::jsonb, now() - interval '6 days'`,
      [old, recent],
    );
    const forget = () => database.transaction((manager) => forgetOldSagaAnswers(manager));
    expect(await forget()).toBe(1_000);
    expect(await forget()).toBe(1);
    expect(await forget()).toBe(0);
    const kept = (await database.query(
      `SELECT "command_id" FROM "saga_command_replies" WHERE "command_id" = ANY($1::text[])`,
      [[...old, recent]],
    )) as { command_id: string }[];
    expect(kept).toEqual([{ command_id: recent }]);
  });

  describe('DELETE /api/users/me and the account-deletion commands', () => {
    const activeUser = async (username: string) => {
      const { body } = await signup({ username, password: 'long enough' });
      await replyTo(await command(SAGA_COMMANDS.activateUser, String(body['id'])));
      const login = await fetch(`${auth.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: 'long enough' }),
      });
      const { accessToken, refreshToken } = (await login.json()) as {
        accessToken: string;
        refreshToken: string;
      };
      return { id: String(body['id']), accessToken, refreshToken };
    };

    const deleteMe = (accessToken: string) =>
      fetch(`${auth.url}/api/users/me`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${accessToken}` },
      });

    const startRequests = async (userId: string) => {
      await allPublished();
      return events(SAGA_REQUESTS_TOPIC.name, SAGA_EVENT_TYPES.start).filter((envelope) => {
        const data = envelope.data as { sagaType: string; payload: { userId?: string } };
        return data.sagaType === 'account-deletion' && data.payload.userId === userId;
      }).length;
    };

    it('answers 202, marks the user deleting and asks for the saga once, however often it is called', async () => {
      const { id, accessToken } = await activeUser('henry');
      expect((await deleteMe(accessToken)).status).toBe(202);
      expect((await deleteMe(accessToken)).status).toBe(202);
      expect((await users().findOneByOrFail({ id })).status).toBe('deleting');
      expect(await startRequests(id)).toBe(1);
    });

    it('asks for the saga once when the deletion is asked for several times at once', async () => {
      const { id, accessToken } = await activeUser('hilda');
      const answers = await Promise.all(Array.from({ length: 5 }, () => deleteMe(accessToken)));
      expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
      expect(await startRequests(id)).toBe(1);
    });

    it('while the deletion runs, the account is gone to API.md: login and refresh 401, the user 404; a restore brings it back', async () => {
      const { id, accessToken, refreshToken } = await activeUser('hazel');
      const post = (path: string, body: unknown) =>
        fetch(`${auth.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const get = (path: string) =>
        fetch(`${auth.url}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });
      const login = { username: 'hazel', password: 'long enough' };
      expect((await deleteMe(accessToken)).status).toBe(202);
      expect((await post('/api/auth/login', login)).status).toBe(401);
      expect((await post('/api/auth/refresh', { refreshToken })).status).toBe(401);
      expect((await get('/api/users/me')).status).toBe(404);
      expect((await get(`/api/users/${id}`)).status).toBe(404);

      await replyTo(await command(SAGA_COMMANDS.restoreUser, id));
      expect((await get(`/api/users/${id}`)).status).toBe(200);
      expect((await post('/api/auth/login', login)).status).toBe(200);
      expect((await post('/api/auth/refresh', { refreshToken })).status).toBe(200);
    });

    it('deletes the user on command, revoking every login; later logins get 401', async () => {
      const { id, accessToken } = await activeUser('iris');
      await deleteMe(accessToken);
      expect((await replyTo(await command(SAGA_COMMANDS.deleteUser, id))).outcome).toBe(
        'succeeded',
      );
      expect(await users().findOneBy({ id })).toBeNull();
      const login = await fetch(`${auth.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'iris', password: 'long enough' }),
      });
      expect(login.status).toBe(401);
      await allPublished();
      const revoked = events(AUTH_LOGINS_TOPIC.name, LOGIN_REVOKED, id).map(
        (envelope) => (envelope.data as { reason: string }).reason,
      );
      expect(revoked).toEqual(['account-deleted']);
    });

    it('answers a late copy of an undo that succeeded without running it: a later deletion stands', async () => {
      const { id, accessToken } = await activeUser('kurt');
      await deleteMe(accessToken);
      const sagaId = await command(SAGA_COMMANDS.restoreUser, id, { kind: 'compensate' });
      expect((await replyTo(sagaId)).outcome).toBe('succeeded');
      // The account is deleted again, by a saga of its own; then the first one's undo
      // arrives once more.
      const login = await fetch(`${auth.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'kurt', password: 'long enough' }),
      });
      const { accessToken: again } = (await login.json()) as { accessToken: string };
      expect((await deleteMe(again)).status).toBe(202);
      await command(SAGA_COMMANDS.restoreUser, id, { sagaId, kind: 'compensate' });
      const [, copy] = await repliesTo(sagaId, 2);
      expect(copy).toMatchObject({ outcome: 'succeeded' });
      expect((await users().findOneByOrFail({ id })).status).toBe('deleting');
    });

    it('runs an undo again when it is sent again after the database refused it', async () => {
      const { id, accessToken } = await activeUser('lars');
      await deleteMe(accessToken);
      await refuseNextUpdateOnce(id);
      const sagaId = await command(SAGA_COMMANDS.restoreUser, id, { kind: 'compensate' });
      expect((await replyTo(sagaId)).outcome).toBe('failed');
      expect((await users().findOneByOrFail({ id })).status).toBe('deleting');
      await command(SAGA_COMMANDS.restoreUser, id, { sagaId, kind: 'compensate' });
      const [, copy] = await repliesTo(sagaId, 2);
      expect(copy).toMatchObject({ outcome: 'succeeded' });
      expect((await users().findOneByOrFail({ id })).status).toBe('active');
    });

    it('restores a user whose deletion is undone', async () => {
      const { id, accessToken } = await activeUser('jack');
      await deleteMe(accessToken);
      expect((await replyTo(await command(SAGA_COMMANDS.restoreUser, id))).outcome).toBe(
        'succeeded',
      );
      expect((await users().findOneByOrFail({ id })).status).toBe('active');
    });
  });
});
