import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './infra';

/**
 * Lints `source` as if it were the content of the existing file at `path`, through the
 * real ESLint CLI and config (type-aware rules need a file their tsconfig includes).
 */
function lintAs(path: string, source: string): { status: number | null; output: string } {
  const result = spawnSync(
    join(REPO_ROOT, 'node_modules', '.bin', 'eslint'),
    ['--stdin', '--stdin-filename', join(REPO_ROOT, path)],
    {
      cwd: REPO_ROOT,
      input: source,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false' },
    },
  );
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('module boundaries', () => {
  it('fail lint when a project imports a lib its type tag does not allow', () => {
    const { status, output } = lintAs(
      'tools/src/infra/index.ts',
      "import { PlatformModule } from '@scale-chat/platform';\nexport const leak = PlatformModule;\n",
    );
    expect(status).toBe(1);
    expect(output).toContain(
      'A project tagged with "type:tool" can only depend on libs tagged with',
    );
  });

  it('fail lint when the contracts lib imports anything but utilities', () => {
    const { status, output } = lintAs(
      'libs/contracts/src/index.ts',
      "import { PlatformModule } from '@scale-chat/platform';\nexport const leak = PlatformModule;\n",
    );
    expect(status).toBe(1);
    expect(output).toMatch(/contracts.*platform|Circular dependency/s);
    expect(output).toContain('@nx/enforce-module-boundaries');
  });

  it('fail lint when shared code imports an app by path', () => {
    const { status, output } = lintAs(
      'libs/platform/src/index.ts',
      "import { AppModule } from '../../../apps/auth/src/app.module';\nexport const leak = AppModule;\n",
    );
    expect(status).toBe(1);
    expect(output).toMatch(/enforce-module-boundaries/);
  });

  it('pass lint for an allowed import', () => {
    const { status, output } = lintAs(
      'libs/platform/src/index.ts',
      "import { SERVICES } from '@scale-chat/contracts';\nexport const auth = SERVICES.auth;\n",
    );
    expect(output).toBe('');
    expect(status).toBe(0);
  });
});
