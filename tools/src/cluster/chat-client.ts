import type { MessageView, SocketAck } from '@scale-chat/contracts';
import { io as connect, type Socket } from 'socket.io-client';

export interface ApiAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

/** One JSON call of API.md, as a script would make it. */
export async function api<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<ApiAnswer<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

export interface TestUser {
  readonly userId: string;
  readonly username: string;
  readonly token: string;
}

/** Signs a new user up and logs it in through auth's public API. */
export async function newUser(authUrl: string, username: string): Promise<TestUser> {
  const password = 'correct horse battery staple';
  const signup = await api<{ id: string }>(authUrl, 'POST', '/api/auth/signup', {
    body: { username, password },
  });
  if (signup.status !== 201) throw new Error(`signup of ${username}: ${signup.status}`);
  const login = await api<{ accessToken: string }>(authUrl, 'POST', '/api/auth/login', {
    body: { username, password },
  });
  if (login.status !== 200) throw new Error(`login of ${username}: ${login.status}`);
  return { userId: signup.body.id, username, token: login.body.accessToken };
}

/** A Socket.IO client of one gateway, connected (rejects with the connect_error). */
export async function socketOf(
  url: string,
  token: string,
  options: {
    reconnection?: boolean;
    transports?: ('websocket' | 'polling')[];
    /** Sent with every HTTP request of the session (long-polling), e.g. a cookie. */
    extraHeaders?: Record<string, string>;
    /** More of the handshake's `auth`, beside the token (a hostile client's, say). */
    auth?: Record<string, string>;
  } = {},
): Promise<Socket> {
  const socket = connect(url, {
    transports: options.transports ?? ['websocket'],
    forceNew: true,
    reconnection: options.reconnection ?? false,
    auth: { ...options.auth, token },
    ...(options.extraHeaders === undefined ? {} : { extraHeaders: options.extraHeaders }),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
  return socket;
}

/** Emits an event of API.md and resolves with its acknowledgement. */
export async function ask<T extends object = object>(
  socket: Socket,
  event: string,
  ...args: unknown[]
): Promise<SocketAck<T>> {
  return (await socket.timeout(10_000).emitWithAck(event, ...args)) as SocketAck<T>;
}

/** Sends a message over `socket` and resolves with it as stored; a refusal throws its code. */
export async function sendMessage(
  socket: Socket,
  roomId: string,
  clientMsgId: string,
  body: string,
): Promise<MessageView> {
  const ack = await ask<{ message: MessageView }>(socket, 'message:send', {
    roomId,
    clientMsgId,
    body,
  });
  if (!ack.ok) throw new Error(`message:send refused: ${ack.error.code}`);
  return ack.message;
}

/** Every `message:new` a socket receives, in arrival order. */
export function collectMessages(socket: Socket): MessageView[] {
  const received: MessageView[] = [];
  socket.on('message:new', (message: MessageView) => received.push(message));
  return received;
}

export { eventually, eventuallyValue } from '@scale-chat/wait';
