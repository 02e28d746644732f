import { readFileSync } from 'node:fs';
import { eventually } from '@scale-chat/wait';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type Admin,
} from 'kafkajs';
import { runKafka, startChatCluster, type ChatCluster, type ClusterProcess } from './cluster';

jest.setTimeout(240_000);

/** Refuses every consumer group whose name starts with `prefix` to plaintext clients. */
const denyGroupsStartingWith = (prefix: string) => ({
  resourceType: AclResourceTypes.GROUP,
  resourceName: prefix,
  resourcePatternType: ResourcePatternTypes.PREFIXED,
  principal: 'User:ANONYMOUS',
  host: '*',
  operation: AclOperationTypes.ALL,
  permissionType: AclPermissionTypes.DENY,
});

/** How many other gateways `gateway`'s adapter counts (its `GET /health`). */
async function peersOf(gateway: ClusterProcess): Promise<number | undefined> {
  const response = await fetch(`${gateway.url}/health`).catch(() => undefined);
  const body = (await response?.json().catch(() => undefined)) as
    { info?: { socketio?: { peers?: number } } } | undefined;
  return body?.info?.socketio?.peers;
}

/** The messages of `gateway`'s JSON log lines, in order. */
const logMessages = (gateway: ClusterProcess): string[] =>
  readFileSync(gateway.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => String((JSON.parse(line) as { msg?: unknown }).msg));

/**
 * kafkajs stops a consumer for good on an error it takes for hopeless, such as an ACL
 * that refuses its group. The Socket.IO adapter's consumer is what lets a gateway hear
 * the others' broadcasts: without it the instance would stay up, unready and deaf, until
 * someone restarted it. It stops itself instead, and its supervisor starts it afresh.
 */
describe("a gateway whose Socket.IO adapter's consumer Kafka stops for good", () => {
  let cluster: ChatCluster;
  let admin: Admin;
  let denied: ReturnType<typeof denyGroupsStartingWith> | undefined;

  beforeAll(async () => {
    cluster = await startChatCluster({ gateways: 2 });
    admin = runKafka('adapter-consumer-stopped-test').admin();
    await admin.connect();
  });

  afterAll(async () => {
    if (denied !== undefined) await admin.deleteAcls({ filters: [denied] });
    await admin?.disconnect();
    await cluster?.stop();
  });

  it('stops gracefully, the other drops it, and it starts again once Kafka allows its group', async () => {
    const [deaf, other] = cluster.gateways as [ClusterProcess, ClusterProcess];
    await eventually('each gateway counts the other', async () => (await peersOf(other)) === 1);

    // The adapter's group: its topic's name and the instance's id (configure-realtime).
    denied = denyGroupsStartingWith(`${cluster.topicPrefix}socketio-${deaf.label}`);
    await admin.createAcls({ acl: [denied] });
    // Its next heartbeat to the group coordinator is refused (one every 2 s here).
    await eventually('the gateway has stopped', () => !deaf.running(), 90_000);
    const said = logMessages(deaf);
    const stopped = said.findIndex((msg) => msg.includes('consumer stopped for good: stopping'));
    expect(stopped).toBeGreaterThanOrEqual(0);
    // The shutdown an orchestrator's SIGTERM starts: sockets closed, consumers left.
    expect(said.slice(stopped)).toContain('SIGTERM: shutting down');
    await eventually(
      'the other gateway drops it',
      async () => (await peersOf(other)) === 0,
      30_000,
    );

    // Started while the group is still refused, it does not come up.
    await expect(deaf.start()).rejects.toThrow('exited');

    await admin.deleteAcls({ filters: [denied] });
    denied = undefined;
    await deaf.start();
    await eventually(
      'the gateways count each other again',
      async () => (await peersOf(other)) === 1,
    );
  });
});
