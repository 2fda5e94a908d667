// The workflow code bundle. `npm run build` prebuilds it into dist/, named by a hash of the compiled
// workflow code, so a worker run from dist/ starts without bundling. Otherwise (running from the
// sources in development, or a dist/ whose bundle is stale) the worker bundles at start. Bundling
// with webpack inside the worker costs it some 200 MB of memory that it never gives back, so that
// happens once in a short-lived child process, cached on disk under the same hash.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { cacheDir } from './cache-dir';

// src/ when run from the sources, dist/ when compiled.
const ROOT = join(__dirname, '..');
// .ts from the sources, .js compiled: the files the bundle is built from.
const EXTENSION = extname(__filename);
// The workflow code and the pure model it imports: what goes into the bundle.
const BUNDLED_DIRS = [join(ROOT, 'workflows'), join(ROOT, 'model')];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .filter((file) => file.endsWith(EXTENSION))
    .sort();
}

/** Changes whenever a workflow source or the SDK that bundles it changes. */
function bundleHash(): string {
  const hash = createHash('sha256');
  hash.update((JSON.parse(readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8')) as { version: string }).version);
  for (const dir of BUNDLED_DIRS) for (const file of sourceFiles(dir)) hash.update(file.slice(dir.length)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

const PREBUILT_PREFIX = 'workflow-bundle-';

/** The path of the bundled workflow code: the prebuilt one, else the cached one, built in a child process when not cached yet. */
export function workflowBundlePath(): string {
  const hash = bundleHash();
  const prebuilt = join(ROOT, `${PREBUILT_PREFIX}${hash}.js`);
  if (existsSync(prebuilt)) return prebuilt;
  const dir = join(cacheDir(), 'workflow-bundles');
  const file = join(dir, `workflows-${hash}.js`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const loader = EXTENSION === '.ts' ? ['--require', 'tsx/cjs'] : [];
  try {
    execFileSync(process.execPath, [...loader, __filename, file], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`could not bundle the workflow code into ${file}: ${stderr || (error as Error).message}`);
  }
  return file;
}

async function build(file: string): Promise<void> {
  const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: new DefaultLogger('WARN') });
  // Written aside and renamed, so a worker starting at the same time never reads half a bundle.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, file);
}

/** `npm run build`: the bundle of the compiled workflow code, next to it in dist/, replacing older ones. */
async function prebuild(): Promise<void> {
  const file = join(ROOT, `${PREBUILT_PREFIX}${bundleHash()}.js`);
  await build(file);
  for (const name of readdirSync(ROOT)) {
    if (name.startsWith(PREBUILT_PREFIX) && name.endsWith('.js') && join(ROOT, name) !== file) rmSync(join(ROOT, name), { force: true });
  }
  console.log(`prebuilt the workflow bundle: ${file}`);
}

if (require.main === module) {
  const arg = process.argv[2] ?? '';
  (arg === '--prebuild' ? prebuild() : build(arg)).catch((error) => {
    console.error((error as Error).message);
    process.exit(1);
  });
}
