import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the worker caches its workflow bundle (and the dev tools their builds): outside the repo. */
export function cacheDir(): string {
  return process.env.AUDIT_COLLECT_CACHE ?? join(homedir(), '.cache', 'audit-collect');
}
