import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Socket } from 'socket.io-client';
import {
  api,
  ask,
  eventually,
  eventuallyValue,
  newUser,
  parsePrometheusText,
  socketOf,
  startChatCluster,
  sumOf,
  type ChatCluster,
  type ClusterProcess,
  type Sample,
} from './cluster';

jest.setTimeout(240_000);

const scrape = async (member: ClusterProcess): Promise<Sample[]> => {
  const response = await fetch(`${member.url}/metrics`);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
  return parsePrometheusText(await response.text());
};

/** Every JSON log line of a process that carries `correlationId`. */
const linesWith = (member: ClusterProcess, correlationId: string) =>
  readFileSync(member.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['correlationId'] === correlationId);

/** Issue 7, points 4 and 5: correlation ids across services, and /metrics that move. */
describe('observability across the services', () => {
  let cluster: ChatCluster;
  let socket: Socket | undefined;

  beforeAll(async () => {
    cluster = await startChatCluster({ gateways: 1, logConsumer: true });
  });

  afterAll(async () => {
    socket?.disconnect();
    await cluster?.stop();
  });

  const members = () => {
    const [gateway] = cluster.gateways;
    if (gateway === undefined || cluster.logConsumer === undefined) throw new Error('no cluster');
    return { auth: cluster.auth, saga: cluster.orchestrator, gateway, log: cluster.logConsumer };
  };

  it("follows a signup's correlation id through auth, the orchestrator and chat-gateway", async () => {
    const correlationId = `signup-${randomBytes(6).toString('hex')}`;
    const response = await fetch(`${cluster.auth.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
      body: JSON.stringify({ username: 'traced', password: 'correct horse battery staple' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-correlation-id')).toBe(correlationId);

    const { auth, saga, gateway } = members();
    // Lines are written asynchronously (the request's own after its response).
    await eventually('the saga and the request logged their completion', () =>
      [
        linesWith(saga, correlationId).some((line) => line['msg'] === 'saga completed'),
        linesWith(auth, correlationId).some((line) => line['msg'] === 'request completed'),
      ].every(Boolean),
    );
    const seen = {
      auth: linesWith(auth, correlationId).map((line) => line['msg']),
      orchestrator: linesWith(saga, correlationId).map((line) => line['msg']),
      gateway: linesWith(gateway, correlationId).map((line) => line['msg']),
    };
    process.stdout.write(`log lines with ${correlationId}: ${JSON.stringify(seen)}\n`);
    expect(seen.auth).toEqual(
      expect.arrayContaining(['request completed', 'saga command handled']),
    );
    expect(seen.orchestrator).toContain('saga completed');
    expect(seen.gateway).toContain('saga command handled');

    // The saga's history, for operators: GET /api/sagas/:id, administrators only.
    const sagaId = String(
      linesWith(saga, correlationId).find((line) => line['msg'] === 'saga completed')?.['sagaId'],
    );
    const admin = await newUser(auth.url, 'admin');
    const someone = await newUser(auth.url, 'someone');
    const history = await api<{ status: string; correlationId: string; history: unknown[] }>(
      saga.url,
      'GET',
      `/api/sagas/${sagaId}`,
      { token: admin.token },
    );
    expect(history).toMatchObject({
      status: 200,
      body: {
        id: sagaId,
        type: 'signup',
        status: 'completed',
        correlationId,
        history: expect.arrayContaining([
          expect.objectContaining({ step: 'create-chat-profile', event: 'succeeded' }),
          expect.objectContaining({ step: 'activate-user', event: 'succeeded' }),
        ]),
      },
    });
    expect(
      (await api(saga.url, 'GET', `/api/sagas/${sagaId}`, { token: someone.token })).status,
    ).toBe(403);
    expect((await api(saga.url, 'GET', `/api/sagas/${sagaId}`)).status).toBe(401);
    expect(
      (await api(saga.url, 'GET', `/api/sagas/${randomUUID()}`, { token: admin.token })).status,
    ).toBe(404);
    expect(
      (await api(saga.url, 'GET', '/api/sagas/not-a-uuid', { token: admin.token })).status,
    ).toBe(404);
  });

  it("carries a room creation's correlation id into the room saga and its participant", async () => {
    const { saga, gateway } = members();
    const owner = await newUser(cluster.auth.url, 'traced_owner');
    const correlationId = `room-${randomBytes(6).toString('hex')}`;
    const created = await fetch(`${gateway.url}/api/rooms`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${owner.token}`,
        'x-correlation-id': correlationId,
      },
      body: JSON.stringify({ name: 'traced' }),
    });
    expect(created.status).toBe(201);
    await eventually('the room saga logged its completion', () =>
      linesWith(saga, correlationId).some(
        (line) => line['msg'] === 'saga completed' && line['sagaType'] === 'room',
      ),
    );
    // The gateway's log file is written asynchronously: its lines may land after the saga's.
    await eventuallyValue(
      "the gateway logged the request and the saga's command",
      () => linesWith(gateway, correlationId).map((line) => line['msg']),
      (logged) => logged.includes('request completed') && logged.includes('saga command handled'),
    );
  });

  it('serves /metrics in Prometheus text on every service, and the figures move with traffic', async () => {
    const { auth, saga, gateway, log } = members();
    const before = {
      auth: await scrape(auth),
      saga: await scrape(saga),
      gateway: await scrape(gateway),
      log: await scrape(log),
    };

    const ann = await newUser(auth.url, 'ann');
    const bob = await newUser(auth.url, 'bob');
    const room = await api<{ id: string }>(gateway.url, 'POST', '/api/rooms', {
      token: ann.token,
      body: { name: 'metrics', memberIds: [bob.userId] },
    });
    expect(room.status).toBe(201);
    socket = await socketOf(gateway.url, ann.token);
    for (let index = 0; index < 5; index += 1) {
      const ack = await ask(socket, 'message:send', {
        roomId: room.body.id,
        clientMsgId: `m${index}`,
        body: `observed message ${index}`,
      });
      expect(ack.ok).toBe(true);
    }
    // Each counter moves in its own process and after its own commit: the signups and the
    // room answered before the orchestrator recorded their sagas, and the gateway counts a
    // message out when its outbox relay has broadcast it.
    const scrapeAll = async () => ({
      auth: await scrape(auth),
      saga: await scrape(saga),
      gateway: await scrape(gateway),
      log: await scrape(log),
    });
    let after = await scrapeAll();
    const moved = (
      service: keyof typeof after,
      name: string,
      labels: Record<string, string> = {},
    ) => sumOf(after[service], name, labels) - sumOf(before[service], name, labels);
    await eventually('every counter has seen the signups, the room and the messages', async () => {
      after = await scrapeAll();
      return (
        moved('auth', 'http_request_duration_seconds_count', {
          method: 'POST',
          route: '/api/auth/signup',
        }) >= 2 &&
        moved('log', 'log_events_total', { type: 'message.sent' }) >= 5 &&
        moved('gateway', 'chat_messages_out_total') >= 5 &&
        moved('saga', 'sagas_total', { type: 'signup', outcome: 'completed' }) >= 2 &&
        moved('saga', 'sagas_total', { type: 'room', outcome: 'completed' }) >= 1
      );
    });

    const figures = {
      'auth signups (HTTP count)': moved('auth', 'http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/auth/signup',
      }),
      'signup sagas completed': moved('saga', 'sagas_total', {
        type: 'signup',
        outcome: 'completed',
      }),
      'room sagas completed': moved('saga', 'sagas_total', { type: 'room', outcome: 'completed' }),
      'signup saga durations observed': moved('saga', 'saga_duration_seconds_count', {
        type: 'signup',
      }),
      'messages in': moved('gateway', 'chat_messages_in_total'),
      'messages out': moved('gateway', 'chat_messages_out_total'),
      'sockets connected': sumOf(after.gateway, 'chat_sockets_connected'),
      'message events logged': moved('log', 'log_events_total', { type: 'message.sent' }),
      'outbox events published by the gateway': moved('gateway', 'outbox_published_total'),
      'sends in store_sends batches': moved('gateway', 'chat_send_batch_size_sum'),
      'events in the relay batches': moved('gateway', 'outbox_relay_batch_size_sum'),
    };
    const sendBatches = moved('gateway', 'chat_send_batch_size_count');
    const relayBatches = moved('gateway', 'outbox_relay_batch_size_count');
    process.stdout.write(`metrics that moved: ${JSON.stringify(figures, null, 1)}\n`);
    expect(figures).toEqual({
      'auth signups (HTTP count)': 2,
      'signup sagas completed': 2,
      'room sagas completed': 1,
      'signup saga durations observed': 2,
      'messages in': 5,
      'messages out': 5,
      'sockets connected': 1,
      'message events logged': 5,
      'outbox events published by the gateway': expect.any(Number),
      'sends in store_sends batches': 5,
      'events in the relay batches': figures['outbox events published by the gateway'],
    });
    expect(figures['outbox events published by the gateway']).toBeGreaterThanOrEqual(6);
    // However the five sends fell into batches, each batch held at least one of them.
    expect(sendBatches).toBeGreaterThanOrEqual(1);
    expect(sendBatches).toBeLessThanOrEqual(5);
    expect(relayBatches).toBeGreaterThanOrEqual(1);
    expect(relayBatches).toBeLessThanOrEqual(figures['events in the relay batches']);
    for (const service of ['auth', 'saga', 'gateway'] as const) {
      expect(after[service].some((sample) => sample.name === 'outbox_backlog')).toBe(true);
    }
    expect(after.log.some((sample) => sample.name === 'kafka_consumer_lag')).toBe(true);
  });
});
