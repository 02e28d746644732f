import { Partitioners } from 'kafkajs';
import pino from 'pino';
import { DataSource } from 'typeorm';
import type { ServiceConfig } from '../config';
import { dataSourceOptions } from '../database';
import { createKafkaClient } from '../kafka/kafka-client';
import {
  discardDeadLetters,
  listDeadLetters,
  replayDeadLetters,
  type ReplayOptions,
  type ReplayOutcome,
} from '../messaging/dead-letters';
import { readConfigOrExit } from './service-app';
import type { ServiceDefinition } from './service-definition';

export const DEAD_LETTERS_USAGE = `usage: dead-letters list [limit]        the oldest dead letters (100 unless said), one JSON object a line
       dead-letters replay [--even-if-old] [--without-key] <id>...
                                       publish them to their topics again, as read, and delete them
       dead-letters discard <id>...    delete them without publishing`;

/** A dead letter's id as `list` prints it: a bigint. */
const ID = /^[1-9][0-9]{0,18}$/;

const REPLAY_FLAGS: Readonly<Record<string, keyof ReplayOptions>> = {
  '--even-if-old': 'evenIfOld',
  '--without-key': 'withoutKey',
};

type Request =
  | { readonly action: 'list'; readonly limit: number }
  | { readonly action: 'replay'; readonly ids: string[]; readonly options: ReplayOptions }
  | { readonly action: 'discard'; readonly ids: string[] };

/** What the arguments ask for; undefined when they are not understood. */
function requestOf([action, ...args]: readonly string[]): Request | undefined {
  if (action === 'list') {
    const limit = Number(args[0] ?? '100');
    return args.length <= 1 && Number.isInteger(limit) && limit > 0 ? { action, limit } : undefined;
  }
  if (action !== 'replay' && action !== 'discard') return undefined;
  const options: Record<string, boolean> = {};
  const ids: string[] = [];
  for (const arg of args) {
    const flag = action === 'replay' ? REPLAY_FLAGS[arg] : undefined;
    if (flag !== undefined) options[flag] = true;
    else if (ID.test(arg)) ids.push(arg);
    else return undefined;
  }
  if (ids.length === 0) return undefined;
  return action === 'replay' ? { action, ids, options } : { action, ids };
}

/**
 * The operator's tool for a service's `dead_letters`, with the service's own configuration
 * (its schema, its brokers): `node tools/run.js dead-letters <service> …` locally,
 * `node dist/main.js dead-letters …` in the service's image. What it prints is for
 * reading and for `jq`; the exit status says whether every letter named was handled.
 */
export async function deadLettersCommand<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  argv: readonly string[],
): Promise<number> {
  const request = requestOf(argv);
  if (request === undefined) {
    process.stderr.write(`${DEAD_LETTERS_USAGE}\n`);
    return 2;
  }
  const config = readConfigOrExit(() => definition.readConfig(process.env));
  // Its errors are said once, by the caller, not logged by TypeORM as well.
  const dataSource = await new DataSource({
    ...dataSourceOptions(config),
    logging: false,
  }).initialize();
  try {
    if (request.action === 'list') {
      for (const letter of await listDeadLetters(dataSource, request.limit))
        process.stdout.write(`${JSON.stringify(letter)}\n`);
      return 0;
    }
    const { replayed, refused }: ReplayOutcome =
      request.action === 'replay'
        ? await replay(dataSource, config, request.ids, request.options)
        : { replayed: await discardDeadLetters(dataSource, request.ids), refused: [] };
    const done = new Set([...replayed, ...refused.map(({ id }) => id)]);
    const missing = request.ids.filter((id) => !done.has(id));
    const verb = request.action === 'replay' ? 'replayed' : 'discarded';
    process.stdout.write(`${verb}: ${replayed.join(' ') || 'none'}\n`);
    for (const { id, why } of refused) process.stderr.write(`not replayed: ${id}: ${why}\n`);
    if (missing.length > 0)
      process.stderr.write(
        `not kept (replayed or discarded already, or never): ${missing.join(' ')}\n`,
      );
    return missing.length === 0 && refused.length === 0 ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}

async function replay(
  dataSource: DataSource,
  config: ServiceConfig,
  ids: readonly string[],
  options: ReplayOptions,
): Promise<ReplayOutcome> {
  const producer = createKafkaClient({
    clientId: `${config.instanceId}-dead-letters`,
    brokers: config.kafkaBrokers,
    security: config.kafkaSecurity,
    logger: pino({ level: 'warn' }, pino.destination(2)),
  }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    return await replayDeadLetters(dataSource, producer, ids, options);
  } finally {
    await producer.disconnect();
  }
}
