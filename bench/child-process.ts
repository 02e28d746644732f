import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const TSCONFIG = resolve(__dirname, '..', 'tsconfig.base.json');

/**
 * A TypeScript file of the benchmarks in a Node process of its own, compiled on load as
 * `tools/run.js` does; `nodeFlags` go to that process (`--expose-gc`, for one).
 */
export function forkTypeScript(
  file: string,
  args: readonly string[] = [],
  nodeFlags: readonly string[] = [],
): ChildProcess {
  return fork(file, [...args], {
    execArgv: ['-r', '@swc-node/register', ...nodeFlags],
    env: { ...process.env, SWC_NODE_PROJECT: TSCONFIG },
  });
}

/**
 * The first message of `child` that `accept` turns into a value (anything but
 * `undefined`); rejects if the child exits first.
 */
export function nextMessage<T, R>(
  child: ChildProcess,
  accept: (message: T) => R | undefined,
): Promise<R> {
  return new Promise((resolvePromise, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child exited with ${code}`));
    const onMessage = (message: T) => {
      const accepted = accept(message);
      if (accepted === undefined) return;
      child.off('message', onMessage).off('exit', onExit);
      resolvePromise(accepted);
    };
    child.on('message', onMessage).once('exit', onExit);
  });
}
