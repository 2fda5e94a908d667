// docs/benchmarks.md: each benchmark merges its own section into it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './children';

const DOC_FILE = join(ROOT, 'docs', 'benchmarks.md');

/** The document with `merge` applied (written back when `write`), as it now reads. */
export function mergeIntoDoc(params: { merge: (doc: string) => string; write: boolean; log: (line: string) => void }): string {
  const doc = existsSync(DOC_FILE) ? readFileSync(DOC_FILE, 'utf8') : '# Benchmarks\n\n<!-- bench:results -->\n';
  const merged = params.merge(doc);
  if (params.write) {
    writeFileSync(DOC_FILE, merged);
    params.log(`wrote ${DOC_FILE}`);
  }
  return merged;
}
