import pino from 'pino';
import { TypeOrmPinoLogger } from './typeorm-pino-logger';

/** What a pino logger at `debug` wrote, one object a line. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

const pgError = (code: string, message: string) =>
  Object.assign(new Error(message), { code, constraint: 'UQ_users_username' });

describe('TypeOrmPinoLogger', () => {
  it('logs a duplicate refused by a unique constraint at debug, without a stack', () => {
    const { logger, lines } = capture();
    new TypeOrmPinoLogger(logger).logQueryError(
      pgError('23505', 'duplicate key value violates unique constraint'),
      'INSERT INTO "users" …',
    );
    expect(lines).toEqual([
      expect.objectContaining({
        level: 20,
        msg: 'a duplicate was refused',
        constraint: 'UQ_users_username',
      }),
    ]);
    expect(lines[0]).not.toHaveProperty('err');
  });

  it('logs any other failed query as a warning with its error', () => {
    const { logger, lines } = capture();
    new TypeOrmPinoLogger(logger).logQueryError(
      pgError('23503', 'insert or update violates foreign key constraint'),
      'INSERT INTO "room_members" …',
    );
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'query failed',
        err: expect.objectContaining({ message: expect.stringContaining('foreign key') }),
      }),
    ]);
  });
});
