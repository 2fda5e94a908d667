// Issue 20: `audit-collect worker` with exactly the environment deploy/kubernetes/base gives the pod
// (rendered by the pinned kustomize), changed only where a pod and this machine differ, its API key a
// file in a Kubernetes Secret volume's layout under AUDIT_COLLECT_SECRETS_DIR; against the test
// Temporal server, S3 server and the simulator.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { startSimulator, type Simulator } from '../../dev/simulator/server';
import { kustomizeBuild, parseResources, workerEnv } from '../helpers/kubernetes';
import { stopAll, stopProcess } from '../helpers/processes';
import { writeRulesFile } from '../helpers/rules-file';
import { completedRun, servedEvents } from '../helpers/runs';
import {
  DEFAULT_PREFIX,
  ROOT,
  TEMPORAL_ADDRESS,
  TEST_ENV,
  TEST_SERVERS,
  createBucket,
  listKeys,
  readEvents,
  runCli,
  temporalClient,
} from '../helpers/servers';

const ORG = '7d0c2b9e-4a31-4f6b-9c8e-51a2d3e4f5a6';
const OLD_KEY = 'deploy-old-api-key-3c9a1f';
const NEW_KEY = 'deploy-new-api-key-8e2b7d';
const BUCKET = 'audit-deploy';
const RULE = 'deploy-audit';
const METRICS = `127.0.0.1:${TEST_SERVERS.metricsPort}`;

let sim: Simulator;
let client: Client;
let worker: ChildProcess | undefined;
let workerLog = '';
let dirs: { secrets: string; cache: string; home: string };
let rulesFile: string;
let env: Record<string, string>;

/** The base's environment for the worker, as the pod gets it. */
const manifestEnv = () => workerEnv(parseResources(kustomizeBuild('base')));

/** Where a pod and this machine differ; every other variable is the manifest's. */
function podToHost(): Record<string, string> {
  return {
    // The cluster's Temporal frontend; here, the test server.
    TEMPORAL_ADDRESS,
    // 0.0.0.0 in a pod; everything here listens on loopback.
    AUDIT_COLLECT_METRICS_ADDRESS: METRICS,
    // The Secret volume's mount path and the /tmp emptyDir, as temporary directories.
    AUDIT_COLLECT_SECRETS_DIR: dirs.secrets,
    AUDIT_COLLECT_CACHE: dirs.cache,
  };
}

/** What IRSA gives the pod on AWS; here, the test S3 server's credentials, endpoint and path-style. */
const S3_ACCESS = {
  AWS_ENDPOINT_URL_S3: TEST_ENV.AWS_ENDPOINT_URL_S3!,
  AWS_ACCESS_KEY_ID: TEST_ENV.AWS_ACCESS_KEY_ID!,
  AWS_SECRET_ACCESS_KEY: TEST_ENV.AWS_SECRET_ACCESS_KEY!,
  AUDIT_COLLECT_S3_FORCE_PATH_STYLE: 'true',
};

/**
 * Writes the files as the kubelet fills a Secret volume: a timestamped directory, `..data` pointing
 * at it, and each key a symlink through `..data`. A later call swaps `..data` atomically, as the
 * kubelet does when the Secret changes.
 */
function writeSecretVolume(dir: string, files: Record<string, string>, stamp: string): void {
  mkdirSync(join(dir, `..${stamp}`));
  for (const [name, value] of Object.entries(files)) writeFileSync(join(dir, `..${stamp}`, name), `${value}\n`, { mode: 0o440 });
  symlinkSync(`..${stamp}`, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const name of Object.keys(files)) if (!readdirSync(dir).includes(name)) symlinkSync(join('..data', name), join(dir, name));
}

/** Runs the audit-collect command with the worker's environment, as `kubectl exec` into the pod would. */
function runAsWorker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'audit-collect'), ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function startWorkerProcess(): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'audit-collect'), 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  worker = child;
  child.stdout!.on('data', (d: Buffer) => (workerLog += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      workerLog += d.toString();
      if (workerLog.includes('worker polling task queue')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} while starting:\n${workerLog.slice(-2000)}`)));
  });
}

async function get(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${METRICS}${path}`);
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  const base = mkdtempSync(join(tmpdir(), 'audit-collect-deploy-'));
  dirs = { secrets: join(base, 'api-keys'), cache: join(base, 'cache'), home: join(base, 'home') };
  for (const dir of Object.values(dirs)) mkdirSync(dir);
  writeSecretVolume(dirs.secrets, { acme: OLD_KEY }, '2026_12_01_10_00_00.000000001');

  // The simulator's clock runs ten minutes behind, so that no event falls inside the settle window
  // the manifest leaves at its default (60 s): each run collects every event there is.
  sim = await startSimulator({
    seed: 20,
    rateLimitPerMinute: 0,
    now: () => Date.now() - 600_000,
    orgs: [{ orgId: ORG, apiKeys: [OLD_KEY, NEW_KEY], events: 1200 }],
  });
  client = await temporalClient();
  await createBucket(BUCKET);
  rulesFile = writeRulesFile({
    connections: [{ name: 'acme', orgId: ORG, apiKey: `file:${join(dirs.secrets, 'acme')}`, baseUrl: sim.url }],
    rules: [{ id: RULE, connection: 'acme', bucket: BUCKET, prefix: DEFAULT_PREFIX, interval: '1h', startFrom: '7d' }],
  });

  const { literal } = manifestEnv();
  env = { PATH: process.env.PATH!, HOME: dirs.home, ...literal, ...podToHost(), ...S3_ACCESS };
  await startWorkerProcess();
});

afterAll(() =>
  stopAll(
    () => stopProcess(worker, 'SIGKILL'),
    () => sim?.close(),
    () => client?.connection.close(),
  ),
);

test('the worker runs on the rendered environment, changed only where a pod and this machine differ', async () => {
  const { literal, fromSecrets } = manifestEnv();
  expect(fromSecrets).toEqual({});
  const changed = Object.keys(literal).filter((name) => env[name] !== literal[name]);
  expect(changed.sort()).toEqual(Object.keys(podToHost()).sort());
  // Nothing else: no test defaults (no settle window of 0, no Temporal config file), only the S3 access IRSA would give.
  expect(Object.keys(env).sort()).toEqual([...new Set([...Object.keys(literal), ...Object.keys(S3_ACCESS), 'PATH', 'HOME'])].sort());
  expect(literal.AUDIT_COLLECT_SETTLE_SECONDS).toBeUndefined();

  expect(await get('/healthz')).toEqual({ status: 200, body: 'ok\n' });
  let ready = await get('/readyz');
  for (let i = 0; i < 30 && ready.status !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    ready = await get('/readyz');
  }
  expect(ready).toEqual({ status: 200, body: 'ready\n' });
  expect((await get('/metrics')).body).toContain('temporal_');
});

test('check, run with the worker environment, passes: the key file resolves through the Secret volume symlinks', async () => {
  const { code, stdout, stderr } = await runAsWorker(['check', rulesFile, '--json']);
  const report = JSON.parse(stdout) as { ok: boolean; checks: Array<{ name: string; status: string; message: string }> };
  expect({ stderr, failed: report.checks.filter((c) => c.status === 'fail') }).toEqual({ stderr: '', failed: [] });
  expect(report.ok).toBe(true);
  expect(code).toBe(0);
  expect(report.checks.find((c) => c.name.includes('events-stream'))?.message).toContain(`file:${join(dirs.secrets, 'acme')}`);
});

test('a rule applied from CI (no key there) collects every event exactly once', async () => {
  // CI has Temporal access only: the rules hold a reference, and the key file exists only on the worker.
  const applied = await runCli(['apply', rulesFile, '--skip-secret-check']);
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  const result = await completedRun(client, RULE);
  expect(result.run.caughtUp).toBe(true);
  expect(result.run.events).toBe(1200);
  const stored = (await readEvents(BUCKET, DEFAULT_PREFIX)).map(({ event }) => event.id);
  expect(stored.sort()).toEqual((await servedEvents(sim.url, ORG)).map((e) => e.id).sort());
  expect(await listKeys(BUCKET, '_audit-collect/state/')).toEqual([`_audit-collect/state/${RULE}.json`]);
});

test('a rotated Secret is used from the next run on, without a restart', async () => {
  const revoked = await fetch(`${sim.url}/_sim/keys/${OLD_KEY}/revoke`, { method: 'POST', body: '{}' });
  // From now on the old key answers 401, which would fail the run and pause the rule.
  expect(await revoked.json()).toEqual({ revoked: true });
  writeSecretVolume(dirs.secrets, { acme: NEW_KEY }, '2026_12_02_10_00_00.000000002');
  await fetch(`${sim.url}/_sim/orgs/${ORG}/events`, { method: 'POST', body: JSON.stringify({ count: 40 }) });
  const result = await completedRun(client, RULE);
  expect(result.run.events).toBe(40);
  const stored = (await readEvents(BUCKET, DEFAULT_PREFIX)).map(({ event }) => event.id);
  expect(new Set(stored).size).toBe(stored.length);
  expect(stored.sort()).toEqual((await servedEvents(sim.url, ORG)).map((e) => e.id).sort());
});

test('it wrote nothing to disk (the image runs with a read-only root filesystem) and drains on SIGTERM', async () => {
  // The prebuilt workflow bundle in dist/ was used: nothing cached, nothing under HOME.
  expect(readdirSync(dirs.cache)).toEqual([]);
  expect(readdirSync(dirs.home)).toEqual([]);
  const exited = new Promise<number | null>((resolve) => worker!.once('exit', (code) => resolve(code)));
  worker!.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(workerLog).toContain('SIGTERM: draining');
  expect(workerLog).toContain('worker drained and stopped');
  // Secrets are never logged.
  expect(workerLog).not.toContain(OLD_KEY);
  expect(workerLog).not.toContain(NEW_KEY);
});
