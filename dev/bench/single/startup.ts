// A worker's start: the time from process start to its "worker polling task queue" line, and its
// resident memory then, three ways, 3 runs each (medians): from the sources through tsx with the
// workflow bundle built at start (empty cache) or cached, and from dist/ with the prebuilt bundle.
// Starts its own Temporal dev server on free ports; run `npm run build` first.
//   npx tsx dev/bench/single/startup.ts [--runs N]
import { median } from '../shared/proc';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startTemporal } from '../../infra/servers';
import { currentRss } from '../shared/proc';

const ROOT = join(__dirname, '..', '..', '..');

interface Sample {
  ms: number;
  rssBytes: number;
}

/** How bin/audit-collect ran the CLI before dist/: tsx at start-up, TypeScript sources. */
const FROM_SOURCES = `require(${JSON.stringify(join(ROOT, 'src', 'cli', 'main.ts'))}).main(['worker']).then((code) => process.exit(code));`;

const VARIANTS: Array<{ name: string; args: string[]; freshCache: boolean }> = [
  { name: 'before: tsx, bundled at start (empty cache)', args: ['--require', 'tsx/cjs', '-e', FROM_SOURCES], freshCache: true },
  { name: 'before: tsx, bundle cached', args: ['--require', 'tsx/cjs', '-e', FROM_SOURCES], freshCache: false },
  { name: 'after: dist/, prebuilt bundle', args: [join(ROOT, 'bin', 'audit-collect'), 'worker'], freshCache: false },
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** Starts a worker, waits for its polling line, reads its RSS, then stops it. */
function startOnce(args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sample: Sample | undefined;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (sample || !stderr.includes('worker polling task queue')) return;
      sample = { ms: performance.now() - started, rssBytes: currentRss(child.pid!) };
      child.kill('SIGTERM');
    });
    const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', () => {
      clearTimeout(kill);
      if (sample) resolve(sample);
      else reject(new Error(`the worker exited before polling:\n${stderr}`));
    });
  });
}

async function main() {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
  const runs = Number(values.runs);
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('no dist/: run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'audit-collect-startup-'));
  const port = await freePort();
  const temporal = await startTemporal({ dir, port, uiPort: await freePort() });
  try {
    const sharedCache = join(dir, 'cache');
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      AUDIT_COLLECT_TASK_QUEUE: 'startup-bench',
      AUDIT_COLLECT_METRICS_ADDRESS: 'off',
      AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS: '0',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // As in the Dockerfile.
      MALLOC_ARENA_MAX: '2',
      MALLOC_MMAP_THRESHOLD_: '131072',
    };
    console.log(`worker start on Node ${process.version}, ${runs} runs each (medians)\n`);
    console.log('| how | start (s) | RSS at start (MB) |');
    console.log('| --- | ---: | ---: |');
    for (const variant of VARIANTS) {
      const samples: Sample[] = [];
      for (let run = 0; run < runs; run++) {
        const cache = variant.freshCache ? mkdtempSync(join(dir, 'fresh-cache-')) : sharedCache;
        samples.push(await startOnce(variant.args, { ...env, AUDIT_COLLECT_CACHE: cache }));
        if (variant.freshCache) rmSync(cache, { recursive: true, force: true });
      }
      if (samples.length === 0) throw new Error('no samples to take the median of (--runs must be at least 1)');
      const ms = median(samples.map((s) => s.ms));
      const mb = median(samples.map((s) => s.rssBytes)) / 2 ** 20;
      const each = samples.map((s) => `${(s.ms / 1000).toFixed(2)} s/${Math.round(s.rssBytes / 2 ** 20)} MB`).join(', ');
      console.log(`| ${variant.name} | ${(ms / 1000).toFixed(2)} | ${Math.round(mb)} |   (${each})`);
    }
  } finally {
    await temporal.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error((error as Error).message);
  process.exit(1);
});
