// The workflow code bundle. Bundling with webpack inside the worker costs it some 200 MB of memory
// that it never gives back; building the bundle once in a short-lived child process and caching
// it on disk (named by a hash of the workflow sources) keeps a long-running worker lean.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../common/cache-dir';

// The workflow code and the pure model it imports: what goes into the bundle.
const BUNDLED_DIRS = [join(__dirname, '..', 'workflows'), join(__dirname, '..', 'model')];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .filter((file) => file.endsWith('.ts'))
    .sort();
}

/** Changes whenever a workflow source or the SDK that bundles it changes. */
function bundleHash(): string {
  const hash = createHash('sha256');
  hash.update(require('@temporalio/worker/package.json').version as string);
  for (const dir of BUNDLED_DIRS) for (const file of sourceFiles(dir)) hash.update(file.slice(dir.length)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

/** The path of the bundled workflow code, building it in a child process when not cached yet. */
export function workflowBundlePath(): string {
  const dir = join(cacheDir(), 'workflow-bundles');
  const file = join(dir, `workflows-${bundleHash()}.js`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync(process.execPath, ['--require', 'tsx/cjs', __filename, file], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`could not bundle the workflow code into ${file}: ${stderr || (error as Error).message}`);
  }
  return file;
}

async function build(file: string): Promise<void> {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: undefined });
  // Written aside and renamed, so a worker starting at the same time never reads half a bundle.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, file);
}

if (require.main === module) {
  build(process.argv[2] ?? '').catch((error) => {
    console.error((error as Error).message);
    process.exit(1);
  });
}
