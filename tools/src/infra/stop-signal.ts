const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Resolves with the first SIGINT, SIGTERM or SIGHUP this process gets, and keeps
 * listening: Ctrl-C in a terminal signals its whole foreground group, so `npm start`'s
 * stack gets SIGINT from the terminal and again from npm, which passes its own on. With
 * no listener left, the second would end the process at once (Node's default) while it
 * stops what it started, and the services, in process groups of their own, would run on.
 * Each later signal is handed to `onRepeat`.
 */
export function firstStopSignal(
  onRepeat: (signal: NodeJS.Signals) => void,
): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first: NodeJS.Signals | undefined;
    for (const signal of STOP_SIGNALS)
      process.on(signal, () => {
        if (first !== undefined) {
          onRepeat(signal);
          return;
        }
        first = signal;
        resolve(signal);
      });
  });
}
