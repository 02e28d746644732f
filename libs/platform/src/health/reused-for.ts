/**
 * `run`, at most once at a time and at most once per `reuseMs`: a call while a run is in
 * flight, or within `reuseMs` of its end, gets that run's promise (resolved or rejected)
 * instead of starting another. `now` is a monotonic clock in milliseconds.
 */
export function reusedFor<T>(
  reuseMs: number,
  run: () => Promise<T>,
  now: () => number = () => performance.now(),
): () => Promise<T> {
  let last: { readonly result: Promise<T>; endedAt: number | undefined } | undefined;
  return () => {
    if (last !== undefined && (last.endedAt === undefined || now() - last.endedAt < reuseMs)) {
      return last.result;
    }
    const current: { readonly result: Promise<T>; endedAt: number | undefined } = {
      result: run(),
      endedAt: undefined,
    };
    const ended = () => {
      current.endedAt = now();
    };
    current.result.then(ended, ended);
    last = current;
    return current.result;
  };
}
