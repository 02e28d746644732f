import { runInNewContext } from 'node:vm';
import { QueryFailedError } from 'typeorm';
import { isRefusedForGood, isTransientDatabaseError, sqlStateOf } from './transient-error';

const refused = (code: string) =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error(`sqlstate ${code}`), { code }));
const socketError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe('isTransientDatabaseError', () => {
  it.each([
    ['a serialization failure', refused('40001')],
    ['a deadlock', refused('40P01')],
    ['a lock timeout', refused('55P03')],
    ['a statement timeout', refused('57014')],
    ['an administrator ending the backend', refused('57P01')],
    ['a server starting up', refused('57P03')],
    ['a standby refusing a write', refused('25006')],
    ['too many connections', refused('53300')],
    ['a connection failure', refused('08006')],
    ['a backend ended outside a query', socketError('57P01')],
    ['a refused connection', socketError('ECONNREFUSED')],
    ['a reset connection', socketError('ECONNRESET')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['an exhausted pool', new Error('timeout exceeded when trying to connect')],
  ])('is true for %s', (_case, error) => {
    expect(isTransientDatabaseError(error)).toBe(true);
  });

  it.each([
    ['a unique violation', refused('23505')],
    ['a check violation', refused('23514')],
    ['invalid text for a uuid', refused('22P02')],
    ['a NUL byte in text', refused('22021')],
    ['an undefined column', refused('42703')],
    ['a programming error', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a thrown string', 'Connection terminated'],
    ['nothing', undefined],
  ])('is false for %s', (_case, error) => {
    expect(isTransientDatabaseError(error)).toBe(false);
  });

  it("is true for a reset connection made in another realm (Node's own errors under Jest)", () => {
    const foreign = runInNewContext(
      'Object.assign(new Error("connect ECONNRESET 127.0.0.1:45201"), { code: "ECONNRESET" })',
    ) as unknown;
    expect(foreign instanceof Error).toBe(false);
    expect(isTransientDatabaseError(foreign)).toBe(true);
  });

  it('reads the SQLSTATE of a refused statement only', () => {
    expect(sqlStateOf(refused('23505'))).toBe('23505');
    expect(sqlStateOf(socketError('ECONNRESET'))).toBeUndefined();
  });
});

describe('isRefusedForGood', () => {
  it.each([
    ['a unique violation', refused('23505')],
    ['a check violation', refused('23514')],
    ['a value too long', refused('22001')],
    ['invalid text for a uuid', refused('22P02')],
    ["a trigger's RAISE EXCEPTION", refused('P0001')],
  ])('is true for %s', (_case, error) => {
    expect(isRefusedForGood(error)).toBe(true);
  });

  it.each([
    ['a missing table (a deploy under way)', refused('42P01')],
    ['a missing column', refused('42703')],
    ['a permission', refused('42501')],
    ['an internal error', refused('XX000')],
    ['a deadlock', refused('40P01')],
    ['a programming error', new TypeError('x is undefined')],
  ])('is false for %s', (_case, error) => {
    expect(isRefusedForGood(error)).toBe(false);
  });
});
