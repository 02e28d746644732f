/**
 * Kafka topics are declared here and nowhere else: name, what keys the records, how many
 * partitions. Producers and consumers import the same declaration.
 */
export const TOPIC_NAME_PATTERN = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/;

/** The aggregate a topic's records are keyed by; per-aggregate order follows from it. */
export type TopicKey = 'userId' | 'roomId' | 'sagaId' | 'instanceId';

export interface TopicSpec {
  /** `<domain>.<stream>` */
  readonly name: string;
  readonly key: TopicKey;
  readonly partitions: number;
  /** Extra broker-side topic configuration (retention, cleanup policy). */
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * `max.message.bytes` of a topic whose records may carry a room with all its members
 * (`member.joined`, and the `room:joined` broadcast made of it): about 135 bytes a
 * member, so Kafka's default of 1 MiB is a room of about 7,700, past which the broker
 * refuses the record for good and the relay could never get past it. 16 MiB is a room of
 * about 120,000. Producers still keep each request to 1,000,000 bytes, so only such a
 * record alone goes past the default.
 */
export const ROOM_RECORD_MAX_BYTES = 16 * 1024 * 1024;

/** The topic under a deployment's prefix (`KAFKA_TOPIC_PREFIX`); the declaration is unchanged. */
export function prefixedTopic(spec: TopicSpec, prefix: string): TopicSpec {
  return prefix === '' ? spec : { ...spec, name: `${prefix}${spec.name}` };
}

export function defineTopic(spec: TopicSpec): TopicSpec {
  if (!TOPIC_NAME_PATTERN.test(spec.name)) {
    throw new Error(`Topic name "${spec.name}" is not of the form <domain>.<stream>`);
  }
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
    throw new Error(
      `Topic "${spec.name}" needs a whole number of partitions, got ${spec.partitions}`,
    );
  }
  return Object.freeze({ ...spec });
}

/**
 * The Socket.IO cluster topic of the chat gateways (socket-io-kafka-adapter): one
 * partition, for one order of broadcasts across instances; short retention, since it
 * only carries live traffic and the last minutes for connection-state recovery.
 */
export const SOCKET_IO_TOPIC = defineTopic({
  name: 'socketio.events',
  key: 'roomId',
  partitions: 1,
  config: {
    'retention.ms': String(60 * 60 * 1000),
    // Kafka deletes only rolled segments, and the adapter's heartbeats keep the open one
    // new: without this it would roll (and an hour's retention start) after 7 days.
    'segment.ms': String(10 * 60 * 1000),
    'max.message.bytes': String(ROOM_RECORD_MAX_BYTES),
  },
});

/** Requests to start a saga (`saga.start`), written by the initiator with its first change. */
export const SAGA_REQUESTS_TOPIC = defineTopic({
  name: 'saga.requests',
  key: 'sagaId',
  partitions: 3,
});

/** Participants' replies to saga commands (`saga.reply`). */
export const SAGA_REPLIES_TOPIC = defineTopic({
  name: 'saga.replies',
  key: 'sagaId',
  partitions: 3,
});

/** Saga commands (`saga.command`), one topic per participant. */
export const SAGA_COMMAND_TOPICS = {
  auth: defineTopic({ name: 'saga.auth-commands', key: 'sagaId', partitions: 3 }),
  'chat-gateway': defineTopic({ name: 'saga.chat-commands', key: 'sagaId', partitions: 3 }),
} as const;

/** The command topic of a saga participant, or undefined for a service that is none. */
export function sagaCommandTopic(participant: string): TopicSpec | undefined {
  return (SAGA_COMMAND_TOPICS as Readonly<Record<string, TopicSpec>>)[participant];
}
