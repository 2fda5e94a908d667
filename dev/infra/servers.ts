// Starts and stops the local Temporal dev server and S3 server on loopback. Each start waits until
// the server is healthy, logs to a file, and returns a handle that stops exactly what it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { ensureBinary } from './binaries';

export interface RunningServer {
  name: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export interface TemporalOptions {
  dir: string;
  port: number;
  uiPort: number;
  /** Where the server serves its own Prometheus metrics; a random port when unset. */
  metricsPort?: number;
}

export interface S3Options {
  dir: string;
  port: number;
  accessKey: string;
  secretKey: string;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(params: { what: string; check: () => Promise<boolean>; timeoutMs: number; child: ChildProcess; logFile: string }) {
  const deadline = Date.now() + params.timeoutMs;
  while (Date.now() < deadline) {
    if (params.child.exitCode !== null) {
      throw new Error(
        `${params.what} exited with code ${params.child.exitCode} while starting; see ${params.logFile}:\n${tail(params.logFile)}`,
      );
    }
    if (await params.check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `${params.what} did not become healthy within ${params.timeoutMs / 1000}s; see ${params.logFile}:\n${tail(params.logFile)}`,
  );
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

function stopper(name: string, child: ChildProcess, pidFile: string): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(pidFile, { force: true });
  };
}

async function start(params: {
  name: string;
  dir: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  port: number;
  healthy: () => Promise<boolean>;
  timeoutMs: number;
}): Promise<RunningServer> {
  mkdirSync(params.dir, { recursive: true });
  if (await portOpen(params.port)) {
    throw new Error(`${params.name}: port 127.0.0.1:${params.port} is already in use. Stop what listens there or choose another port.`);
  }
  const logFile = join(params.dir, `${params.name}.log`);
  const pidFile = join(params.dir, `${params.name}.pid`);
  const out = openSync(logFile, 'a');
  const child = spawn(params.command, params.args, { env: { ...process.env, ...params.env }, stdio: ['ignore', out, out] });
  writeFileSync(pidFile, String(child.pid));
  const stop = stopper(params.name, child, pidFile);
  try {
    await waitFor({ what: params.name, check: params.healthy, timeoutMs: params.timeoutMs, child, logFile });
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: params.name, pid: child.pid!, logFile, stop };
}

/** The Temporal CLI dev server: SQLite file in `dir`, Web UI on, `RuleId` search attribute registered. */
export async function startTemporal(options: TemporalOptions): Promise<RunningServer> {
  const binary = ensureBinary('temporal');
  return start({
    name: 'temporal',
    dir: options.dir,
    command: binary,
    args: [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(options.port),
      '--ui-port',
      String(options.uiPort),
      '--db-filename',
      join(options.dir, 'temporal.db'),
      '--search-attribute',
      'RuleId=Keyword',
      '--log-level',
      'warn',
      ...(options.metricsPort ? ['--metrics-port', String(options.metricsPort)] : []),
    ],
    port: options.port,
    healthy: async () => (await portOpen(options.port)) && (await portOpen(options.uiPort)) && (await temporalReady(binary, options.port)),
    timeoutMs: 90_000,
  });
}

async function temporalReady(binary: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(binary, ['operator', 'search-attribute', 'list', '--address', `127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve(code === 0 && out.includes('RuleId')));
  });
}

/** versitygw over a POSIX directory in `dir`, with the given root credentials. */
export async function startS3(options: S3Options): Promise<RunningServer> {
  const binary = ensureBinary('versitygw');
  const data = join(options.dir, 's3-data');
  const meta = join(options.dir, 's3-meta');
  for (const d of [data, meta]) if (!existsSync(d)) mkdirSync(d, { recursive: true });
  return start({
    name: 's3',
    dir: options.dir,
    command: binary,
    args: ['--port', `127.0.0.1:${options.port}`, 'posix', '--sidecar', meta, data],
    env: { ROOT_ACCESS_KEY: options.accessKey, ROOT_SECRET_KEY: options.secretKey },
    port: options.port,
    healthy: () => portOpen(options.port),
    timeoutMs: 30_000,
  });
}
