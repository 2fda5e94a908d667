// Builds the pinned local servers from the Go module proxy into a cache outside the repo, once.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir } from '../../src/worker/cache-dir';
import { ensureKubernetesSchemas } from './kubernetes-schemas';

export { cacheDir };

export const TOOLS = {
  temporal: { module: 'github.com/temporalio/cli/cmd/temporal', version: 'v1.5.1', command: 'temporal' },
  versitygw: { module: 'github.com/versity/versitygw/cmd/versitygw', version: 'v1.7.0', command: 'versitygw' },
  // Validates deploy/kubernetes/ against the Kubernetes schemas (kubernetes-schemas.ts), offline.
  kubeconform: { module: 'github.com/yannh/kubeconform/cmd/kubeconform', version: 'v0.7.0', command: 'kubeconform' },
  // Renders deploy/kubernetes/'s base and overlays, as `kubectl apply -k` would.
  kustomize: { module: 'sigs.k8s.io/kustomize/kustomize/v5', version: 'v5.8.1', command: 'kustomize' },
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
    execFileSync('go', ['install', `${module}@${version}`], {
      env: { ...process.env, GOBIN: gobin },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
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
  // Debian's python3 with venv and ensurepip, for the DuckDB venv (see ensureDuckdb).
  { command: '/usr/bin/python3', versionArgs: ['-m', 'ensurepip', '--version'], pkg: 'python3-venv' },
] as const;

const installed = (command: string, versionArgs: readonly string[]) =>
  spawnSync(command, [...versionArgs], { stdio: 'ignore' }).status === 0;

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
  ensureBinary('kubeconform', log);
  ensureBinary('kustomize', log);
  installTestPackages(log);
  ensureDuckdb(log);
  ensureKubernetesSchemas(log);
}

function installTestPackages(log: (line: string) => void): void {
  const missing = missingTestPackages();
  if (missing.length === 0) return;
  const command = `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`;
  if (process.getuid?.() !== 0)
    throw new Error(`the tests need Debian packages that are missing: ${missing.join(', ')}. Run as root: ${command}`);
  log(`installing ${missing.join(', ')} from Debian packages...`);
  execFileSync('sh', ['-c', command], { stdio: 'inherit' });
}

/**
 * DuckDB and its httpfs extension from PyPI, pinned to each other (duckdb-ext-httpfs ships the
 * extension binary built for exactly this DuckDB version): the querying test loads the extension
 * from the venv by path, so nothing is downloaded when it runs.
 */
export const DUCKDB = { duckdb: '1.4.4', httpfs: '1.4.4.20260205' } as const;

function duckdbVenv(): string {
  return join(cacheDir(), 'venv', `duckdb-${DUCKDB.duckdb}-httpfs-${DUCKDB.httpfs}`);
}

/** Written last: a venv without it is a failed install, made again from scratch. */
const duckdbMarker = () => join(duckdbVenv(), 'audit-collect-installed.json');

/** The python of the DuckDB venv, creating the venv and installing the pinned packages the first time. */
export function ensureDuckdb(log: (line: string) => void = console.log): string {
  const venv = duckdbVenv();
  const python = join(venv, 'bin', 'python');
  if (existsSync(duckdbMarker())) return python;
  log(`installing duckdb ${DUCKDB.duckdb} and duckdb-ext-httpfs ${DUCKDB.httpfs} from PyPI into ${venv} (first run only)...`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(dirname(venv), { recursive: true });
  execFileSync('/usr/bin/python3', ['-m', 'venv', venv], { stdio: ['ignore', 'inherit', 'inherit'] });
  const packages = [`duckdb==${DUCKDB.duckdb}`, `duckdb-ext-httpfs==${DUCKDB.httpfs}`];
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--only-binary=:all:', ...packages], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const version = execFileSync(python, ['-c', 'import duckdb; print(duckdb.__version__)']).toString().trim();
  if (version !== DUCKDB.duckdb) throw new Error(`the DuckDB venv has duckdb ${version}, not the pinned ${DUCKDB.duckdb}`);
  writeFileSync(duckdbMarker(), `${JSON.stringify(DUCKDB)}\n`);
  log(`installed ${python}`);
  return python;
}

/** For test files: the DuckDB venv's python, or an error naming the set-up step. */
export function requireDuckdb(): string {
  if (!existsSync(duckdbMarker()))
    throw new Error(`DuckDB ${DUCKDB.duckdb} is not installed: run 'npm run setup-tests' (npm test runs it first)`);
  return join(duckdbVenv(), 'bin', 'python');
}

/** For test files: the pinned binary's path, or an error naming the set-up step. */
export function requireBinary(tool: ToolName): string {
  const path = binaryPath(tool);
  if (!existsSync(path)) throw new Error(`${tool} ${TOOLS[tool].version} is not built: run 'npm run setup-tests' (npm test runs it first)`);
  return path;
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
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
