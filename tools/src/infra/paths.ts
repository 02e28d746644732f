import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Downloads, data directories and logs of the local infrastructure; git ignores it. */
export const CACHE_DIR = join(REPO_ROOT, '.cache');
