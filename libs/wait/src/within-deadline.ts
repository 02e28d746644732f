import { Script } from 'node:vm';

/**
 * `work()`'s result, or a throw once it has run `ms`. For a synchronous loop, which a
 * test's own timeout cannot interrupt (V8 ends it here): a bound on how bad a run may get,
 * as for input whose cost must not grow with its length squared, never a measure of how
 * fast it is, so give it a margin of orders of magnitude.
 */
export function withinDeadline<T>(ms: number, work: () => T): T {
  return new Script('work()').runInNewContext({ work }, { timeout: ms }) as T;
}
