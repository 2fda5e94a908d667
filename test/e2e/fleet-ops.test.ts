// Issue 11's proof that the worker is operable in a fleet: `audit-collect worker` answers /healthz
// and /readyz on its metrics port, drains an in-flight batch on SIGTERM (not ready meanwhile) and
// exits 0 within the grace period, a new worker completes the run with nothing missing or written
// twice, and the lag metric grows between scrapes while no batch runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { startSimulator, type Simulator } from '../../dev/simulator/server';
import { scheduleId } from '../../src/model/ids';
import { ChildWorker } from '../helpers/child-worker';
import { stopAll, stopProcess } from '../helpers/processes';
import { writeRulesFile } from '../helpers/rules-file';
import { ROOT, TEST_ENV, createBucket, listKeys, runCli, temporalClient } from '../helpers/servers';

const ORG = '5c3e1a7b-9d2f-4e6a-8b1c-2d3e4f5a6b7c';
const API_KEY = 'fleet-ops-api-key-7e41c2a9';
const BUCKET = 'audit-fleet';
const RULE = 'fleet-audit';
const EVENTS = 3000;
const ENV: Record<string, string> = {
  ATLASSIAN_FLEET_API_KEY: API_KEY,
  AUDIT_COLLECT_TASK_QUEUE: 'fleet-ops',
  AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '0',
  AUDIT_COLLECT_PAGE_LIMIT: '200',
  AUDIT_COLLECT_PAGES_PER_OBJECT: '1',
};

let sim: Simulator;
let client: Client;
let draining: ChildProcess | undefined;
let worker: ChildWorker | undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function statusOf(url: string): Promise<number> {
  try {
    return (await fetch(url)).status;
  } catch {
    return 0;
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** `audit-collect worker` as a child whose exit code and time the test reads. */
function spawnWorker(params: { port: number; env: Record<string, string> }): {
  child: ChildProcess;
  log: () => string;
  exited: Promise<{ code: number | null; atMs: number }>;
} {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'audit-collect'), 'worker'], {
    env: { ...process.env, ...TEST_ENV, ...ENV, ...params.env, AUDIT_COLLECT_METRICS_ADDRESS: `127.0.0.1:${params.port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<{ code: number | null; atMs: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, atMs: Date.now() })),
  );
  return { child, log: () => log, exited };
}

/** The value of the sample of `name` with rule_id `RULE`. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`rule_id="${RULE}"`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function waitForRun(actionsBefore: number, timeoutMs = 180_000): Promise<string> {
  const schedule = client.schedule.getHandle(scheduleId(RULE));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { info } = await schedule.describe();
    if (info.numActionsTaken > actionsBefore && info.runningActions.length === 0) {
      const { workflowId, firstExecutionRunId } = info.recentActions.at(-1)!.action.workflow;
      return (await client.workflow.getHandle(workflowId, firstExecutionRunId).describe()).status.name;
    }
    await sleep(250);
  }
  throw new Error(`the run did not finish; worker log:\n${worker?.log.slice(-3000)}`);
}

beforeAll(async () => {
  sim = await startSimulator({ seed: 23, orgs: [{ orgId: ORG, apiKeys: [API_KEY], events: EVENTS }], rateLimitPerMinute: 0 });
  await createBucket(BUCKET);
  client = await temporalClient();
  const file = writeRulesFile({
    connections: [{ name: 'fleet', orgId: ORG, apiKey: 'env:ATLASSIAN_FLEET_API_KEY', baseUrl: sim.url }],
    rules: [{ id: RULE, connection: 'fleet', bucket: BUCKET, prefix: `${RULE}/`, interval: '1h', startFrom: '7d', heartbeatTimeout: '5s' }],
  });
  const applied = await runCli(['apply', file], ENV);
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
});

afterAll(() =>
  stopAll(
    () => stopProcess(draining, 'SIGKILL'),
    () => worker?.kill('SIGTERM'),
    () => client?.connection.close(),
    () => sim?.close(),
  ),
);

/**
 * Starts a worker, checks its health endpoints, triggers the rule with slow pages and sends SIGTERM
 * once `objectsBefore` objects are in S3; returns how the worker exited and what its probes said.
 */
async function signalMidBatch(params: { env: Record<string, string>; objectsBefore: number }): Promise<{
  code: number | null;
  exitMs: number;
  readyz: Set<number>;
  healthz: Set<number>;
  log: string;
  actionsBefore: number;
}> {
  const port = await freePort();
  const first = spawnWorker({ port, env: params.env });
  draining = first.child;
  const base = `http://127.0.0.1:${port}`;
  await until('/readyz 200', async () => (await statusOf(`${base}/readyz`)) === 200);
  expect(await statusOf(`${base}/healthz`)).toBe(200);
  expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^temporal_\w+/m);

  // Slow pages make a catch-up of one-page objects take several seconds.
  await fetch(`${sim.url}/_sim/faults`, {
    method: 'POST',
    body: JSON.stringify({ faults: [{ kind: 'slow', delayMs: 400, count: 10_000 }] }),
  });
  const schedule = client.schedule.getHandle(scheduleId(RULE));
  const actionsBefore = (await schedule.describe()).info.numActionsTaken;
  const keysBefore = (await listKeys(BUCKET, `${RULE}/`)).length;
  await schedule.trigger(ScheduleOverlapPolicy.SKIP);
  await until(
    `${params.objectsBefore} objects written`,
    async () => (await listKeys(BUCKET, `${RULE}/`)).length >= keysBefore + params.objectsBefore,
  );

  const signalledAt = Date.now();
  first.child.kill('SIGTERM');
  const seen = { readyz: new Set<number>(), healthz: new Set<number>() };
  let done = false;
  void first.exited.then(() => (done = true));
  // Until the worker has handled the signal (delivery is asynchronous) it may still answer 200: count from its first 503.
  let notReady = false;
  while (!done) {
    const ready = await statusOf(`${base}/readyz`);
    notReady ||= ready === 503;
    if (notReady) seen.readyz.add(ready);
    seen.healthz.add(await statusOf(`${base}/healthz`));
    await sleep(50);
  }
  const { code, atMs } = await first.exited;
  await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
  return { code, exitMs: atMs - signalledAt, ...seen, log: first.log(), actionsBefore };
}

/** A new worker finishes the run; verify finds every event once. */
async function completeElsewhere(params: { actionsBefore: number; events: number }): Promise<void> {
  worker = new ChildWorker({ ...ENV, AUDIT_COLLECT_METRICS_ADDRESS: `127.0.0.1:${await freePort()}` });
  await worker.start();
  expect(await waitForRun(params.actionsBefore)).toBe('COMPLETED');
  const verify = await runCli(['verify', RULE, '--json'], ENV);
  const report = JSON.parse(verify.stdout);
  expect(report).toMatchObject({ duplicateIds: 0, malformedLines: 0, ok: true, events: params.events });
  expect(report.source.missing).toBe(0);
  expect(verify.code).toBe(0);
}

test('SIGTERM mid-batch: not ready while the batch drains, exit 0 within the grace period; a new worker completes the run exactly once', async () => {
  // Batches of a few seconds: SIGTERM lands in one, which then finishes well inside the grace period.
  const graceSeconds = 8;
  const run = await signalMidBatch({
    env: { AUDIT_COLLECT_BATCH_SECONDS: '4', AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS: String(graceSeconds) },
    objectsBefore: 3,
  });
  expect({ code: run.code, log: run.code === 0 ? '' : run.log.slice(-3000) }).toEqual({ code: 0, log: '' });
  expect(run.exitMs).toBeLessThan(graceSeconds * 1000);
  expect(run.readyz).toContain(503);
  expect(run.readyz).not.toContain(200);
  expect(run.healthz).toContain(200);
  // The batch in flight at SIGTERM finished on the draining worker instead of being cut off.
  expect(run.log).toContain('SIGTERM: draining');
  const afterSignal = run.log.slice(run.log.indexOf('SIGTERM: draining'));
  expect(afterSignal).toMatch(/"message":"batch done"[^\n]*"ruleId":"fleet-audit"/);
  expect(afterSignal).toContain('worker drained and stopped');
  await completeElsewhere({ actionsBefore: run.actionsBefore, events: EVENTS });
});

test('a batch longer than the grace period is cut off at its end: the worker still exits 0 and the run completes exactly once elsewhere', async () => {
  await worker!.kill('SIGTERM');
  await fetch(`${sim.url}/_sim/orgs/${ORG}/events`, { method: 'POST', body: JSON.stringify({ count: 2000 }) });
  // One batch could take 20 s; the grace period is 1 s.
  const run = await signalMidBatch({
    env: { AUDIT_COLLECT_BATCH_SECONDS: '20', AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS: '1' },
    objectsBefore: 2,
  });
  expect({ code: run.code, log: run.code === 0 ? '' : run.log.slice(-3000) }).toEqual({ code: 0, log: '' });
  // The grace period, then at most the object being written (one slow page and its upload).
  expect(run.exitMs).toBeLessThan(1_000 + 5_000);
  expect(run.readyz).toContain(503);
  // Cancelled, the batch stopped after its current object and returned what it had written: eight
  // more slow pages were left, so it was not caught up.
  const afterSignal = run.log.slice(run.log.indexOf('SIGTERM: draining'));
  expect(afterSignal).toMatch(/"message":"batch done"[^\n]*"ruleId":"fleet-audit"[^\n]*"caughtUp":false/);
  await completeElsewhere({ actionsBefore: run.actionsBefore, events: EVENTS + 2000 });
});

test('the lag metric grows between two scrapes while no batch runs', async () => {
  const url = /\/metrics, \/healthz and \/readyz at (http:\/\/\S+)/.exec(worker!.log)![1] + '/metrics';
  const first = await (await fetch(url)).text();
  await sleep(2_500);
  const second = await (await fetch(url)).text();
  const [lag1, lag2] = [sample(first, 'audit_collect_lag_seconds')!, sample(second, 'audit_collect_lag_seconds')!];
  expect(lag1).toBeGreaterThan(0);
  expect(lag2 - lag1).toBeGreaterThanOrEqual(2);
  // The last position the lag is taken from is exported too, for alerts across several workers.
  const lastProcessed = sample(second, 'audit_collect_last_processed_timestamp_seconds')!;
  expect(Math.abs(Date.now() / 1000 - lastProcessed - lag2)).toBeLessThan(5);
});
