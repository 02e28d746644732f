import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');

export interface ChildInstance {
  readonly url: string;
  readonly process: ChildProcess;
  freeze(): void;
  kill(): Promise<void>;
}

/** Starts `instance-process.ts` on the same topic as the in-process instances. */
export function startChildInstance(topic: string, groupIdPrefix: string): Promise<ChildInstance> {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(__dirname, 'instance-process.ts'), topic, groupIdPrefix],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.base.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready (\S+)/.exec(output);
      if (match?.[1] === undefined) return;
      child.stdout?.off('data', onData);
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      resolvePromise({
        url: match[1],
        process: child,
        freeze: () => child.kill('SIGSTOP'),
        kill: async () => {
          child.kill('SIGKILL');
          await exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      reject(new Error(`instance process exited with ${code}:\n${output}`)),
    );
  });
}
