/**
 * One Socket.IO server with the Kafka adapter in a process of its own, for tests that
 * freeze or kill an instance. Its sockets join the rooms they ask for and carry the user
 * they name as their data. Prints `ready <url>` once it reads the topic.
 *
 *   node -r @swc-node/register instance-process.ts <topic> <groupIdPrefix>
 */
import { clusterOptions, startInstance } from './cluster';

async function main(): Promise<void> {
  const [topic, groupIdPrefix] = process.argv.slice(2);
  if (topic === undefined || groupIdPrefix === undefined)
    throw new Error('usage: instance-process <topic> <groupIdPrefix>');
  const instance = await startInstance(clusterOptions({ topic, groupIdPrefix }));
  instance.io.on('connection', (socket) => {
    const auth = socket.handshake.auth as { rooms?: string[]; user?: string };
    socket.data = { user: auth.user };
    void socket.join(auth.rooms ?? []);
  });
  process.stdout.write(`ready ${instance.url}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
