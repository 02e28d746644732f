import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { MessageView } from '@scale-chat/contracts';
import type { Socket } from 'socket.io-client';
import { collectMessages, socketOf } from '../cluster';

/**
 * The `chat_route` cookie the edge hands a browser with the web app's page (it spreads
 * browsers over the gateway instances and keeps each on one); as `name=value`.
 */
export async function routeCookie(edgeUrl: string): Promise<string> {
  const response = await fetch(`${edgeUrl}/`);
  await response.arrayBuffer();
  const cookie = /chat_route=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
  if (cookie === undefined) throw new Error(`GET / (${response.status}) set no chat_route cookie`);
  return cookie;
}

/** A Socket.IO client that keeps every message it receives and every problem it meets. */
export interface TrackedClient {
  readonly socket: Socket;
  readonly received: MessageView[];
  /** connect_error messages and disconnect reasons, in order. */
  readonly problems: string[];
  /** The Engine.IO session ids it has had, the current one last. */
  readonly sessions: string[];
}

export async function trackedClient(
  edgeUrl: string,
  token: string,
  options: Parameters<typeof socketOf>[2] = {},
): Promise<TrackedClient> {
  const socket = await socketOf(edgeUrl, token, options);
  const client: TrackedClient = {
    socket,
    received: collectMessages(socket),
    problems: [],
    sessions: [socket.io.engine.id],
  };
  socket.on('connect', () => client.sessions.push(socket.io.engine.id));
  socket.on('connect_error', (error) => client.problems.push(`connect_error: ${error.message}`));
  socket.on('disconnect', (reason) => client.problems.push(`disconnect: ${reason}`));
  return client;
}

/** The pid of the local stack's process of `service` started with PORT=`port`. */
export function servicePid(service: string, port: number): number {
  const pids = spawnSync('pgrep', ['-f', `apps/${service}/src/main.ts`], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((line) => line.trim() !== '');
  const found = pids.find((pid) =>
    readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`PORT=${port}`),
  );
  if (found === undefined) throw new Error(`no ${service} process with PORT=${port}`);
  return Number(found);
}
