import {
  DOMAIN_TOPICS,
  EDGE_PORT,
  SAGA_WAIT_MAX_MS,
  SOCKET_IO_TOPIC,
  TOPIC_NAME_PATTERN,
} from '@scale-chat/contracts';
import {
  ACCESS_TOKEN_VERIFIER_ENV,
  ConfigError,
  integer,
  list,
  readServiceConfig,
  VariableProblem,
  type Environment,
  type VariableSpec,
} from '@scale-chat/platform';

const CHAT_ENV = {
  ...ACCESS_TOKEN_VERIFIER_ENV,
  /** Browsers may open a socket only from these origins (the edge, by default). */
  SOCKET_ALLOWED_ORIGINS: list(/^https?:\/\/[^/\s]+$/, 'origins such as https://chat.example.com', {
    default: [`http://127.0.0.1:${EDGE_PORT}`, `http://localhost:${EDGE_PORT}`],
  }),
  /** How long POST /api/rooms and POST /api/rooms/:id/members wait for the room saga. */
  ROOM_SAGA_WAIT_MS: integer({ min: 100, max: SAGA_WAIT_MAX_MS }, { default: 10_000 }),
  /** `message:send` per user and instance: a burst of this many... */
  MESSAGE_RATE_BURST: integer({ min: 1, max: 10_000 }, { default: 30 }),
  /** ...refilled at this many per second. */
  MESSAGE_RATE_PER_SECOND: integer({ min: 1, max: 10_000 }, { default: 10 }),
  /** `typing` per user and instance: a burst of this many, then... */
  TYPING_RATE_BURST: integer({ min: 1, max: 10_000 }, { default: 10 }),
  /** ...this many per second: a person's indicator goes on and off a few times a second at most. */
  TYPING_RATE_PER_SECOND: integer({ min: 1, max: 10_000 }, { default: 5 }),
  /** `read` (Socket.IO and REST) per user and instance: a burst, then... */
  READ_RATE_BURST: integer({ min: 1, max: 10_000 }, { default: 50 }),
  /** ...this many per second: a client marks what it shows as read, a burst of new messages at most. */
  READ_RATE_PER_SECOND: integer({ min: 1, max: 10_000 }, { default: 20 }),
  /** Pages of history (`sync`, `GET …/messages`, `GET …/changes`) per user and instance: a burst, then... */
  HISTORY_RATE_BURST: integer({ min: 1, max: 10_000 }, { default: 100 }),
  /** ...this many per second: a client catching up on its rooms after a reconnection. */
  HISTORY_RATE_PER_SECOND: integer({ min: 1, max: 10_000 }, { default: 20 }),
  /**
   * Room and membership writes (creating a room, a direct room, adding or removing a
   * member) per user and instance: a burst, then... Each runs a room saga or a locked write.
   */
  ROOM_WRITE_RATE_BURST: integer({ min: 1, max: 10_000 }, { default: 30 }),
  /** ...this many a minute: a person setting up rooms by hand never gets there. */
  ROOM_WRITE_RATE_PER_MINUTE: integer({ min: 1, max: 600_000 }, { default: 30 }),
  /** Message searches per user and instance: a burst, then... */
  SEARCH_RATE_BURST: integer({ min: 1, max: 10_000 }, { default: 20 }),
  /** ...this many per second: the web app searches as one types, 250 ms after a key at most. */
  SEARCH_RATE_PER_SECOND: integer({ min: 1, max: 10_000 }, { default: 2 }),
  /**
   * How long one message search may run before PostgreSQL cancels it (503): a rare short
   * text in a big database is a walk through much of `messages`, which must not hold a
   * connection of the pool for longer.
   */
  SEARCH_STATEMENT_TIMEOUT_MS: integer({ min: 100, max: 60_000 }, { default: 3_000 }),
  /**
   * Socket.IO handshakes per user and instance, recoveries included: a burst, then... Each
   * costs a dozen statements and two presence broadcasts; every tab reconnecting at once
   * after a network drop or a restarted instance stays within the burst.
   */
  HANDSHAKE_RATE_BURST: integer({ min: 1, max: 100_000 }, { default: 30 }),
  /** ...this many a minute: a page reloaded every few seconds never gets there. */
  HANDSHAKE_RATE_PER_MINUTE: integer({ min: 1, max: 600_000 }, { default: 30 }),
  /**
   * Events refused past a budget one socket may get in 10 s; past that it is
   * flooding and is disconnected, so its packets stop costing anything (the last refusal
   * says so). Each
   * refusal still costs the instance a decoded packet and an ack: 1,000 of them cost the
   * other users seconds on a busy machine (docs/reliability.md), 200 a fifth of that.
   */
  SEND_REFUSALS_BEFORE_DISCONNECT: integer({ min: 1, max: 1_000_000 }, { default: 200 }),
  /**
   * Packets that may wait for one socket whose client is not reading; past that it is
   * closed (`SlowReaders`). A client that reads keeps none waiting for long.
   */
  SOCKET_MAX_QUEUED_PACKETS: integer({ min: 10, max: 1_000_000 }, { default: 1_000 }),
  /**
   * Bytes that may wait for one such socket (`SlowReaders`), however few the packets:
   * pages of history are large ones. Each `sync` is refused (`rate_limited`) while two
   * pages' worth already wait for its client, so this is reached by broadcasts alone.
   */
  // At least four pages (PAGE_BYTES_MAX): what `sync` lets wait, and one more.
  SOCKET_MAX_QUEUED_BYTES: integer({ min: 4_194_304, max: 1_073_741_824 }, { default: 8_388_608 }),
  /**
   * How often a socket's login is looked up again among the revoked ones, at its next
   * event: a revoked login's sockets are closed by a broadcast at once, and should that be
   * lost (an instance dead between its commit and the broadcast), they stop acting within this.
   */
  LOGIN_RECHECK_MS: integer({ min: 100, max: 3_600_000 }, { default: 30_000 }),
  /**
   * Rooms one user may be in, pending memberships included: past it, creating a room
   * with the user, adding it or opening a direct room with it is a 409.
   */
  ROOMS_PER_USER_MAX: integer({ min: 1, max: 1_000_000 }, { default: 1_000 }),
  /** Sockets one user may hold open at once, across every instance. */
  SOCKETS_PER_USER_MAX: integer({ min: 1, max: 10_000 }, { default: 20 }),
  /** How often each instance says it is alive, for presence. */
  PRESENCE_HEARTBEAT_MS: integer({ min: 100, max: 60_000 }, { default: 5_000 }),
  /** An instance silent this long is dead: its users' sockets are gone. */
  PRESENCE_TIMEOUT_MS: integer({ min: 300, max: 600_000 }, { default: 15_000 }),
  /**
   * How long a presence change holds its user's lock at most while its broadcast goes to
   * Kafka, so that instances' changes are heard in the order made (0: not at all).
   */
  PRESENCE_ORDER_WAIT_MS: integer({ min: 0, max: 10_000 }, { default: 1_000 }),
  SOCKET_IO_TOPIC: socketIoTopic(),
};

/**
 * The gateways' Socket.IO topic, taken as it is (KAFKA_TOPIC_PREFIX does not go before it):
 * a topic name of at most 200 characters (Kafka's limit is 249), never one of the
 * services' own topic names, whose records the adapter would take for broadcasts and the
 * services for events (refused whatever KAFKA_TOPIC_PREFIX says: a name that only
 * differs by a prefix from a service's topic is a mistake waiting for the prefix to go).
 */
function socketIoTopic() {
  const domain = new Set(DOMAIN_TOPICS.map((topic) => topic.name));
  return {
    default: SOCKET_IO_TOPIC.name,
    parse: (raw: string): string | VariableProblem =>
      TOPIC_NAME_PATTERN.test(raw) && raw.length <= 200 && !domain.has(raw)
        ? raw
        : new VariableProblem(
            "a topic name of the form <domain>.<stream>, at most 200 characters, not one of the services' own topics",
          ),
  } satisfies VariableSpec<string>;
}

export type ChatConfig = ReturnType<typeof readChatConfig>;

export function readChatConfig(env: Environment) {
  const config = readServiceConfig('chat-gateway', env, CHAT_ENV);
  if (config.extra.PRESENCE_TIMEOUT_MS <= config.extra.PRESENCE_HEARTBEAT_MS) {
    throw new ConfigError(['PRESENCE_TIMEOUT_MS must exceed PRESENCE_HEARTBEAT_MS']);
  }
  return config;
}
