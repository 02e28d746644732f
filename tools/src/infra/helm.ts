import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Say } from './log';
import { run } from './processes';

/** The Helm that checks deploy/helm: a Go module, built from source by the Go toolchain. */
export const HELM_VERSION = 'v3.21.4';

/**
 * Outside the clone, so every clone on a machine (CI's fresh ones included) builds Helm
 * once: `$SCALE_CHAT_CACHE`, else `$XDG_CACHE_HOME/scale-chat`, else `~/.cache/scale-chat`.
 */
export function machineCacheDir(): string {
  return (
    process.env['SCALE_CHAT_CACHE'] ??
    join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'scale-chat')
  );
}

export function helmPath(): string {
  return join(machineCacheDir(), 'helm', HELM_VERSION, 'helm');
}

/**
 * The pinned Helm, built with `go install` on first use (a few minutes on two cores) into
 * the machine's cache. Built into a folder of its own and then renamed into place, so
 * test files asking at once never run a half-written binary.
 */
export async function ensureHelm(say: Say): Promise<string> {
  const path = helmPath();
  if (existsSync(path)) return path;
  const started = Date.now();
  say(`building Helm ${HELM_VERSION} with the Go toolchain (first run on this machine only)`);
  const staging = join(machineCacheDir(), 'helm', `.${HELM_VERSION}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await run('go', ['install', `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`], {
      env: { ...process.env, GOBIN: staging, CGO_ENABLED: '0' },
    }).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(
        /ENOENT/.test(message)
          ? 'Helm is built from source with the Go toolchain: install Go (https://go.dev/doc/install) and put `go` on PATH'
          : message,
      );
    });
    try {
      renameSync(staging, join(machineCacheDir(), 'helm', HELM_VERSION));
    } catch (error) {
      // Another test file built it at the same time: its binary is as good.
      if (!existsSync(path)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  say(`Helm ${HELM_VERSION} built in ${((Date.now() - started) / 1000).toFixed(0)} s: ${path}`);
  return path;
}
