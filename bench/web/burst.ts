/**
 * The web app under a burst: how long a member's browser takes to show BURST messages
 * that other members send at once to a room it has open, and how long the page's main
 * thread was blocked meanwhile (long tasks). Three users send from a socket on each
 * gateway (so six send budgets), retrying what the rate limit refuses; the reader is a
 * fourth user in Chromium, through the edge.
 *
 *   npm start                                   (the whole stack, the web app built)
 *   node tools/run.js bench web/burst.ts        BURST=180 LEN=30 (characters a message)
 */
import { EDGE_PORT } from '@scale-chat/contracts';
import { integer, parseEnv } from '@scale-chat/platform';
import { chromium } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { printFigures, runBenchmark } from '../report';

const { BURST, LEN } = parseEnv(process.env, {
  BURST: integer({ min: 1, max: 10_000 }, { default: 180 }),
  LEN: integer({ min: 1, max: 4_000 }, { default: 30 }),
});
const EDGE = `http://127.0.0.1:${EDGE_PORT}`;
const GATEWAYS = [3011, 3012];
const PASSWORD = 'correct horse battery';
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call<T>(method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${EDGE}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status}`);
  return (await response.json()) as T;
}

/** A new active user: its id and an access token. */
async function newUser(username: string): Promise<{ id: string; token: string }> {
  const { id } = await call<{ id: string }>('POST', '/api/auth/signup', {
    username,
    password: PASSWORD,
    displayName: username,
  });
  const { accessToken } = await call<{ accessToken: string }>('POST', '/api/auth/login', {
    username,
    password: PASSWORD,
  });
  return { id, token: accessToken };
}

const connect = (token: string, port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const socket = io(`http://127.0.0.1:${port}`, {
      auth: { token },
      transports: ['websocket'],
      extraHeaders: { origin: EDGE },
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });

/** Sends `count` messages over `sockets` at once, each retried while rate-limited. */
async function sendAll(sockets: readonly Socket[], roomId: string, tag: string, count: number) {
  let next = 0;
  await Promise.all(
    sockets.map(async (socket) => {
      for (let index = next++; index < count; index = next++) {
        const body = `${tag}${index} `.padEnd(LEN, '가').slice(0, LEN);
        for (;;) {
          const ack = (await socket
            .timeout(60_000)
            .emitWithAck('message:send', { roomId, clientMsgId: `${tag}${index}`, body })) as {
            ok: boolean;
            error?: { code: string };
          };
          if (ack.ok) break;
          if (ack.error?.code !== 'rate_limited') throw new Error(JSON.stringify(ack));
          await sleep(300);
        }
      }
    }),
  );
}

async function main(): Promise<void> {
  const run = Date.now().toString(36);
  const senders = await Promise.all(['ann', 'cho', 'dan'].map((name) => newUser(`${name}_${run}`)));
  const readerName = `bob_${run}`;
  const reader = await newUser(readerName);
  const [owner, ...others] = senders;
  if (owner === undefined) throw new Error('no sender');
  const room = await call<{ id: string; name: string }>(
    'POST',
    '/api/rooms',
    { name: `Burst ${run}`, memberIds: [...others, reader].map((user) => user.id) },
    owner.token,
  );
  const sockets = await Promise.all(
    senders.flatMap((sender) => GATEWAYS.map((port) => connect(sender.token, port))),
  );
  // A first page of history, as a room that is in use has.
  await sendAll(sockets, room.id, 'h', 60);

  const browser = await chromium.launch({ executablePath: CHROMIUM });
  try {
    const page = await (
      await browser.newContext({ viewport: { width: 1280, height: 900 } })
    ).newPage();
    await page.goto(`${EDGE}/`);
    await page.getByLabel('Username').fill(readerName);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: /log in/i }).click();
    await page.getByText(room.name).first().click();
    const shown = () => page.locator('[data-testid="message"]').count();
    for (let waited = 0; (await shown()) < 50; waited += 100) {
      if (waited > 30_000) throw new Error('the room did not open');
      await sleep(100);
    }
    const loaded = await shown();
    await page.evaluate(() => {
      const held = globalThis as unknown as { blockedMs: number };
      held.blockedMs = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) held.blockedMs += entry.duration;
      }).observe({ type: 'longtask' as 'mark' }); // a browser's entry type, unknown to Node's types
    });

    const started = Date.now();
    await sendAll(sockets, room.id, 'b', BURST);
    const storedMs = Date.now() - started;
    while ((await shown()) < loaded + BURST) {
      if (Date.now() - started > 600_000) throw new Error(`only ${await shown()} shown`);
      await sleep(100);
    }
    const shownMs = Date.now() - started;
    const blockedMs = await page.evaluate(
      () => (globalThis as unknown as { blockedMs: number }).blockedMs,
    );
    printFigures([
      ['messages loaded, then sent at once', `${loaded}, then ${BURST} of ${LEN} characters`],
      ['all stored (acknowledged) after', `${storedMs} ms`],
      ['all shown in the reader’s browser after', `${shownMs} ms`],
      ['the page’s main thread blocked (long tasks)', `${Math.round(blockedMs)} ms`],
    ]);
  } finally {
    await browser.close();
    for (const socket of sockets) socket.close();
  }
}

runBenchmark(main);
