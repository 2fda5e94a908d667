// Builds the pinned local servers from the Go module proxy into a cache outside the repo, once.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../src/common/cache-dir';

export { cacheDir };

export const TOOLS = {
  temporal: { module: 'github.com/temporalio/cli/cmd/temporal', version: 'v1.5.1', command: 'temporal' },
  versitygw: { module: 'github.com/versity/versitygw/cmd/versitygw', version: 'v1.7.0', command: 'versitygw' },
} as const;

export type ToolName = keyof typeof TOOLS;


export function binaryPath(tool: ToolName): string {
  const { command, version } = TOOLS[tool];
  return join(cacheDir(), 'bin', `${command}-${version}`);
}

function goAvailable(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/** The binary's path, building it with `go install` the first time. */
export function ensureBinary(tool: ToolName, log: (line: string) => void = console.log): string {
  const target = binaryPath(tool);
  if (existsSync(target)) return target;
  if (!goAvailable()) {
    throw new Error(
      `${tool} ${TOOLS[tool].version} is not built yet and 'go' is not on PATH. Install Go 1.22 or later ` +
        `(e.g. 'apt-get install golang-go' or from go.dev), or put a prebuilt binary at ${target}.`,
    );
  }
  const { module, version, command } = TOOLS[tool];
  log(`building ${tool} ${version} with go install (first run only; a few minutes)...`);
  mkdirSync(join(cacheDir(), 'bin'), { recursive: true });
  const gobin = mkdtempSync(join(cacheDir(), 'gobin-'));
  try {
    execFileSync('go', ['install', `${module}@${version}`], { env: { ...process.env, GOBIN: gobin }, stdio: ['ignore', 'inherit', 'inherit'] });
    renameSync(join(gobin, command), target);
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
  log(`built ${target}`);
  return target;
}

/** The Debian packages the tests use, by the command each provides. */
export const TEST_PACKAGES = [
  // The reference decoder the tests read objects with.
  { command: 'zstd', versionArgs: ['--version'], pkg: 'zstd' },
  // The Web UI test drives Debian's chromium with playwright-core (no browser download).
  { command: '/usr/bin/chromium', versionArgs: ['--version'], pkg: 'chromium' },
  // Validates docker-compose.yml (v1); no Docker engine needed.
  { command: 'docker-compose', versionArgs: ['--version'], pkg: 'docker-compose' },
] as const;

const installed = (command: string, versionArgs: readonly string[]) => spawnSync(command, [...versionArgs], { stdio: 'ignore' }).status === 0;

/** The test packages that are not installed. */
export function missingTestPackages(): string[] {
  return TEST_PACKAGES.filter((p) => !installed(p.command, p.versionArgs)).map((p) => p.pkg);
}

/**
 * The one set-up step of `npm test` (its `pretest`): builds the pinned servers and installs the
 * missing Debian packages when running as root; otherwise says which command to run instead.
 */
export function setUpTests(log: (line: string) => void = console.log): void {
  ensureBinary('temporal', log);
  ensureBinary('versitygw', log);
  const missing = missingTestPackages();
  if (missing.length === 0) return;
  const command = `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) throw new Error(`the tests need Debian packages that are missing: ${missing.join(', ')}. Run as root: ${command}`);
  log(`installing ${missing.join(', ')} from Debian packages...`);
  execFileSync('sh', ['-c', command], { stdio: 'inherit' });
}

/** For test files: fails, naming the set-up step, when a package the tests use is missing. */
export function requireTestPackages(): void {
  const missing = missingTestPackages();
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run 'npm run setup-tests' (npm test runs it first)`);
}

/** Debian's chromium, which the Web UI test drives with playwright-core (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';
/** Headless, sandbox-free (tests may run as root) and quiet: no network but the page's own. */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
