import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { transform, type Options } from '@swc/core';
import { build, type Metafile, type Plugin } from 'esbuild';
import { SERVICE_NAMES, type ServiceName } from '@scale-chat/contracts';
import { REPO_ROOT } from '../infra';

/**
 * esbuild bundles, swc compiles: esbuild cannot emit the decorator metadata Nest's
 * dependency injection reads, so every TypeScript file goes through swc (swc.options.json,
 * as in the tests) and esbuild only resolves the workspace's path aliases and bundles.
 */
const swcOptions = JSON.parse(
  readFileSync(join(REPO_ROOT, 'swc.options.json'), 'utf8'),
) as Options & { jsc: NonNullable<Options['jsc']> };

const swcTypeScript: Plugin = {
  name: 'swc-typescript',
  setup(buildApi) {
    buildApi.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      const output = await transform(await readFile(path, 'utf8'), {
        ...swcOptions,
        jsc: { ...swcOptions.jsc, keepClassNames: true },
        filename: path,
        sourceMaps: 'inline',
        module: { type: 'es6' },
      });
      return { contents: output.code, loader: 'js' };
    });
  },
};

export interface ServiceBundle {
  readonly file: string;
  /** The npm packages the bundle requires at run time (they are not bundled). */
  readonly packages: readonly string[];
}

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

function externalPackages(metafile: Metafile): string[] {
  const imports = Object.values(metafile.inputs).flatMap((input) => input.imports);
  return [
    ...new Set(
      imports
        .filter(
          (entry) =>
            entry.external === true && !BUILTINS.has(entry.path) && !entry.path.startsWith('<'),
        )
        .map((entry) => packageOf(entry.path)),
    ),
  ].sort();
}

/**
 * Bundles one service's sources (its app and the workspace libraries) into `outDir/main.js`
 * for production images; npm packages stay outside, installed with `npm ci --omit=dev`.
 */
export async function bundleService(
  service: ServiceName,
  outDir = join(REPO_ROOT, 'dist', 'apps', service),
): Promise<ServiceBundle> {
  const file = join(outDir, 'main.js');
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [join(REPO_ROOT, 'apps', service, 'src', 'main.ts')],
    tsconfig: join(REPO_ROOT, 'tsconfig.base.json'),
    outfile: file,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    keepNames: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [swcTypeScript],
  });
  return { file, packages: externalPackages(result.metafile) };
}

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}
