// Builds the pinned local servers from the Go module proxy into a cache outside the repo, once.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const TOOLS = {
  temporal: { module: 'github.com/temporalio/cli/cmd/temporal', version: 'v1.5.1', command: 'temporal' },
  versitygw: { module: 'github.com/versity/versitygw/cmd/versitygw', version: 'v1.7.0', command: 'versitygw' },
} as const;

export type ToolName = keyof typeof TOOLS;

export function cacheDir(): string {
  return process.env.AUDIT_COLLECT_CACHE ?? join(homedir(), '.cache', 'audit-collect');
}

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

/** A command the tests need, installed from Debian's packages when missing and running as root. */
function ensureDebianPackage(params: { command: string; versionArgs: string[]; pkg: string; log: (line: string) => void }): void {
  const { command, pkg } = params;
  if (spawnSync(command, params.versionArgs, { stdio: 'ignore' }).status === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`the '${command}' command is missing; install it (e.g. 'sudo apt-get install ${pkg}')`);
  params.log(`installing ${pkg} from Debian packages...`);
  execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg}`], { stdio: 'inherit' });
}

/** The reference `zstd` decoder the tests read objects with. */
export function ensureZstd(log: (line: string) => void = console.log): void {
  ensureDebianPackage({ command: 'zstd', versionArgs: ['--version'], pkg: 'zstd', log });
}

/** Debian's chromium, which the Web UI test drives with playwright-core (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';
/** Headless, sandbox-free (tests may run as root) and quiet: no network but the page's own. */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function ensureChromium(log: (line: string) => void = console.log): void {
  ensureDebianPackage({ command: CHROMIUM, versionArgs: ['--version'], pkg: 'chromium', log });
}

/** Debian's docker-compose (v1), used only to validate docker-compose.yml: no Docker engine needed. */
export function ensureDockerCompose(log: (line: string) => void = console.log): void {
  ensureDebianPackage({ command: 'docker-compose', versionArgs: ['--version'], pkg: 'docker-compose', log });
}
