import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

/**
 * A process that waits for `firstStopSignal`, then stops until told to on stdin: the
 * signals a terminal's Ctrl-C and npm send it meanwhile must not end it.
 */
const STOPPING_PROCESS = `
process.stdin.resume(); // alive until told, as the stack is by what it runs
const { firstStopSignal } = require(${JSON.stringify(join(REPO_ROOT, 'tools/src/infra/stop-signal.ts'))});
firstStopSignal((signal) => console.log('again ' + signal)).then((signal) => {
  console.log('stopping on ' + signal);
  process.stdin.once('data', () => { console.log('stopped'); process.exit(0); });
});
console.log('listening');
`;

describe('firstStopSignal', () => {
  it('keeps a process stopping through a second SIGINT (Ctrl-C reaches it from the terminal and from npm)', async () => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', '-e', STOPPING_PROCESS], {
      cwd: REPO_ROOT,
      env: { ...process.env, SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.base.json') },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (code, signal) => resolve([code, signal])),
    );
    /** Resolves once the process has said `text`; fails at once if it ends first. */
    const said = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const look = () => {
          if (!output.includes(text)) return;
          child.stdout.off('data', look);
          resolve();
        };
        child.stdout.on('data', look);
        void exited.then(([code, signal]) =>
          reject(new Error(`ended (${code ?? signal}) before saying "${text}":\n${output}`)),
        );
        look();
      });

    await said('listening');
    child.kill('SIGINT');
    await said('stopping on SIGINT');
    child.kill('SIGINT');
    await said('again SIGINT');
    child.stdin.write('done\n');
    expect(await exited).toEqual([0, null]);
    expect(output).toContain('stopped');
  }, 30_000);
});
