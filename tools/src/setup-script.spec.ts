import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './infra';

/**
 * A supervisor stops `npm start` with SIGTERM to npm alone, which npm passes to its child:
 * each step down to node must hand the process over (`exec`), or a shell in between dies
 * and the stack runs on, orphaned (stack.e2e-spec.ts stops it with Ctrl-C, which reaches
 * every process of the group and so cannot tell).
 */
describe('npm start and npm test', () => {
  const scripts = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const setup = readFileSync(join(REPO_ROOT, 'tools', 'setup.sh'), 'utf8');

  it.each(['start', 'test'])('npm %s execs tools/setup.sh', (name) => {
    expect(scripts[name]).toMatch(/^exec bash tools\/setup\.sh /);
  });

  it.each([
    ['start', /exec node tools\/run\.js stack\b/],
    ['test', /exec node tools\/run\.js test\b/],
  ])('tools/setup.sh %s execs node', (_name, command) => {
    expect(setup).toMatch(command);
  });
});
