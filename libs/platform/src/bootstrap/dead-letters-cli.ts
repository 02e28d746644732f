import { Partitioners } from 'kafkajs';
import pino from 'pino';
import { DataSource } from 'typeorm';
import type { ServiceConfig } from '../config';
import { dataSourceOptions } from '../database';
import { createKafkaClient } from '../kafka/kafka-client';
import { discardDeadLetters, listDeadLetters, replayDeadLetters } from '../messaging/dead-letters';
import { readConfigOrExit } from './service-app';
import type { ServiceDefinition } from './service-definition';

export const DEAD_LETTERS_USAGE = `usage: dead-letters list [limit]        the oldest dead letters (100 unless said), one JSON object a line
       dead-letters replay <id>...     publish them to their topics again, as read, and delete them
       dead-letters discard <id>...    delete them without publishing`;

/** A dead letter's id as `list` prints it: a bigint. */
const ID = /^[1-9][0-9]{0,18}$/;

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
  const [action, ...args] = argv;
  const limit = Number(args[0] ?? '100');
  const listing = action === 'list' && args.length <= 1 && Number.isInteger(limit) && limit > 0;
  const naming =
    (action === 'replay' || action === 'discard') &&
    args.length > 0 &&
    args.every((id) => ID.test(id));
  if (!listing && !naming) {
    process.stderr.write(`${DEAD_LETTERS_USAGE}\n`);
    return 2;
  }
  const config = readConfigOrExit(() => definition.readConfig(process.env));
  // Its errors are said once, below, not logged by TypeORM as well.
  const dataSource = await new DataSource({
    ...dataSourceOptions(config),
    logging: false,
  }).initialize();
  try {
    if (listing) {
      for (const letter of await listDeadLetters(dataSource, limit))
        process.stdout.write(`${JSON.stringify(letter)}\n`);
      return 0;
    }
    const handled =
      action === 'replay'
        ? await replay(dataSource, config, args)
        : await discardDeadLetters(dataSource, args);
    const done = new Set(handled);
    const missing = args.filter((id) => !done.has(id));
    process.stdout.write(
      `${action === 'replay' ? 'replayed' : 'discarded'}: ${handled.join(' ') || 'none'}\n`,
    );
    if (missing.length > 0)
      process.stderr.write(
        `not kept (replayed or discarded already, or never): ${missing.join(' ')}\n`,
      );
    return missing.length === 0 ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}

async function replay(
  dataSource: DataSource,
  config: ServiceConfig,
  ids: readonly string[],
): Promise<string[]> {
  const producer = createKafkaClient({
    clientId: `${config.instanceId}-dead-letters`,
    brokers: config.kafkaBrokers,
    logger: pino({ level: 'warn' }, pino.destination(2)),
  }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    return await replayDeadLetters(dataSource, producer, ids);
  } finally {
    await producer.disconnect();
  }
}
