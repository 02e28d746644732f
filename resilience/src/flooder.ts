import { Worker } from 'node:worker_threads';

export interface FloodOptions {
  readonly url: string;
  readonly token: string;
  readonly roomId: string;
  readonly perSecond: number;
  readonly seconds: number;
}

export interface FloodOutcome {
  readonly sent: number;
  /** Acknowledgements by outcome: `ok` or the error code. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** The server closed the connection (for flooding); the sends it dropped got no answer. */
  readonly disconnected: boolean;
  /** The last error message acknowledged, as a client would show it. */
  readonly lastRefusal?: string;
}

// Plain JavaScript: a worker runs outside the test's TypeScript transform.
const FLOODER = `
const { workerData, parentPort } = require('node:worker_threads');
const { io } = require(workerData.client);
const { url, token, roomId, perSecond, seconds } = workerData;
const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } });
const outcomes = {};
let sent = 0;
let answered = 0;
let disconnected = false;
let lastRefusal;
socket.on('disconnect', () => { disconnected = true; });
socket.on('connect', async () => {
  const start = Date.now();
  const tick = perSecond / 10;
  while (Date.now() - start < seconds * 1000 && !disconnected) {
    for (let index = 0; index < tick; index += 1) {
      sent += 1;
      socket.emit('message:send', { roomId, clientMsgId: 'f' + sent, body: 'flood' }, (answer) => {
        const key = answer.ok ? 'ok' : answer.error.code;
        if (!answer.ok) lastRefusal = answer.error.message;
        outcomes[key] = (outcomes[key] || 0) + 1;
        answered += 1;
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const deadline = Date.now() + 120000;
  while (answered < sent && !disconnected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  socket.disconnect();
  parentPort.postMessage({ sent, outcomes, disconnected, lastRefusal });
});
socket.on('connect_error', (error) => parentPort.postMessage({ error: error.message }));
`;

/**
 * One user's socket sending `message:send` at `perSecond` for `seconds`, from a thread
 * of its own; resolves with every acknowledgement counted by outcome.
 */
export function flood(options: FloodOptions): Promise<FloodOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(FLOODER, {
      eval: true,
      workerData: { ...options, client: require.resolve('socket.io-client') },
    });
    worker.once('message', (message: FloodOutcome & { error?: string }) => {
      void worker.terminate();
      if (message.error !== undefined) reject(new Error(`flooder: ${message.error}`));
      else resolve(message);
    });
    worker.once('error', reject);
  });
}
