/**
 * The part of a Socket.IO v4 client that the chat benchmarks use, over one WebSocket
 * (`ws`): the Engine.IO v4 handshake and heartbeat, the connect to the main namespace with
 * an `auth` payload, events sent with an acknowledgement, and events received. There is
 * no reconnection, long-polling, binary attachment, other namespace or buffering before
 * the connect. Each packet costs one `JSON.stringify` out or one `JSON.parse` in, and no
 * emitter or debug layers: with socket.io-client those layers took about a third of the
 * load generator's busy samples, and this client costs a quarter less CPU a message
 * (docs/benchmarks.md, "A leaner load generator").
 */
import WebSocket from 'ws';

// Engine.IO v4 packet types, the first character of each frame.
const ENGINE_OPEN = '0';
const ENGINE_CLOSE = '1';
const ENGINE_PING = '2';
const ENGINE_PONG = '3';
const ENGINE_MESSAGE = '4';
// Socket.IO v5 packet types, the character after an Engine.IO message's.
const SOCKET_CONNECT = '0';
const SOCKET_DISCONNECT = '1';
const SOCKET_EVENT = '2';
const SOCKET_ACK = '3';
const SOCKET_CONNECT_ERROR = '4';

/** Why a connect failed: the server's `connect_error` message, or the transport's. */
export class LeanConnectError extends Error {
  override readonly name = 'LeanConnectError';
}

type Listener = (...args: unknown[]) => void;

/** The Engine.IO WebSocket URL of a server's base URL (`http://host:port`). */
export function engineUrl(base: string): string {
  const url = new URL('/socket.io/', base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('EIO', '4');
  url.searchParams.set('transport', 'websocket');
  return url.toString();
}

export class LeanSocket {
  private readonly acks = new Map<number, Listener>();
  private readonly listeners = new Map<string, Listener>();
  private nextAckId = 0;
  /** It closes on purpose (`disconnect`, or a frame it could not read). */
  private leaving = false;

  private constructor(private readonly ws: WebSocket) {}

  /** Connects to the main namespace of `base` with `auth`; rejects with the server's refusal. */
  static connect(base: string, auth: Record<string, unknown>): Promise<LeanSocket> {
    const ws = new WebSocket(engineUrl(base), { perMessageDeflate: false });
    const socket = new LeanSocket(ws);
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        ws.terminate();
        reject(new LeanConnectError(message));
      };
      // After the connect, an error is followed by 'close': acknowledgements not yet
      // answered then never are, and the phase counts them as lost.
      ws.on('error', (error) => fail(error.message));
      ws.once('close', () => fail('the connection closed before the namespace connected'));
      ws.on('message', (data, isBinary) => {
        const frame = isBinary ? '' : String(data);
        if (settled) {
          socket.onFrame(frame, isBinary);
          return;
        }
        if (frame.startsWith(ENGINE_OPEN)) {
          ws.send(ENGINE_MESSAGE + SOCKET_CONNECT + JSON.stringify(auth));
        } else if (frame === ENGINE_PING) {
          ws.send(ENGINE_PONG);
        } else if (frame.startsWith(ENGINE_MESSAGE + SOCKET_CONNECT)) {
          settled = true;
          resolve(socket);
        } else if (frame.startsWith(ENGINE_MESSAGE + SOCKET_CONNECT_ERROR)) {
          fail(connectErrorMessage(frame.slice(2)));
        } else {
          fail(`unexpected frame before the connect: ${frame.slice(0, 80)}`);
        }
      });
    });
  }

  /** Sends `event` with `payload`; `ack` is called with the server's answer, if one comes. */
  emit(event: string, payload: unknown, ack: (answer: never) => void): void {
    const id = this.nextAckId;
    this.nextAckId += 1;
    this.acks.set(id, ack as Listener);
    this.ws.send(ENGINE_MESSAGE + SOCKET_EVENT + String(id) + JSON.stringify([event, payload]));
  }

  /** Calls `listener` with each `event`'s arguments (one listener an event). */
  on(event: string, listener: (...args: never[]) => void): void {
    this.listeners.set(event, listener as Listener);
  }

  disconnect(): void {
    this.leaving = true;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(ENGINE_MESSAGE + SOCKET_DISCONNECT);
    this.ws.close();
  }

  /**
   * After the connect. A frame it cannot read ends this connection, not the generator: its
   * unanswered sends and missed deliveries then count as lost, and stderr says why.
   */
  private onFrame(frame: string, isBinary: boolean): void {
    try {
      if (isBinary) throw new Error('a binary frame (attachments are not supported)');
      this.read(frame);
    } catch (error) {
      this.drop(error instanceof Error ? error.message : String(error));
    }
  }

  private drop(reason: string): void {
    if (this.leaving) return;
    this.leaving = true;
    process.stderr.write(`[lean-socket] closing a connection: ${reason}\n`);
    this.ws.terminate();
  }

  private read(frame: string): void {
    const type = frame[0];
    if (type === ENGINE_PING) {
      this.ws.send(ENGINE_PONG);
    } else if (type === ENGINE_MESSAGE) {
      const kind = frame[1];
      if (kind === SOCKET_EVENT) this.onEvent(frame);
      else if (kind === SOCKET_ACK) this.onAck(frame);
      else if (kind === SOCKET_DISCONNECT) this.drop('the server disconnected it');
      else throw new Error(`a Socket.IO packet of type ${kind ?? '(none)'} after the connect`);
    } else if (type === ENGINE_CLOSE) {
      this.drop('the server closed it');
    } else if (type !== ENGINE_PONG) {
      throw new Error(`an Engine.IO packet of type ${type ?? '(none)'}`);
    }
  }

  /**
   * `42["event",...args]`, or `42<id>[...]` when the server asks for an acknowledgement,
   * which the benchmarks never need: the listener gets the arguments, the server no answer.
   */
  private onEvent(frame: string): void {
    const args = JSON.parse(frame.slice(frame.indexOf('[', 2))) as unknown[];
    const listener = this.listeners.get(args[0] as string);
    if (listener !== undefined) listener(...args.slice(1));
  }

  /** `43<id>[...args]`. */
  private onAck(frame: string): void {
    const start = frame.indexOf('[', 2);
    const id = Number(frame.slice(2, start));
    const ack = this.acks.get(id);
    if (ack === undefined) return;
    this.acks.delete(id);
    ack(...(JSON.parse(frame.slice(start)) as unknown[]));
  }
}

function connectErrorMessage(body: string): string {
  try {
    const { message } = JSON.parse(body) as { message?: unknown };
    return typeof message === 'string' ? message : body;
  } catch {
    return body;
  }
}
