// Outages of every part resume cleanly, and exactly-once holds whatever the API's cursors look like.
// Each scenario injects a fault into a real process (worker, Temporal dev server, S3 server,
// simulator) and ends with `audit-collect verify` reporting 0 missing and 0 duplicates. The
// simulator's cursors carry a nonce (the same position comes back as a different string). This file
// runs its own Temporal and S3 servers, because it stops and restarts them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CopyObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { startS3, startTemporal, type RunningServer } from '../../dev/infra/servers';
import { startSimulator, type Fault, type Simulator } from '../../dev/simulator/server';
import { scheduleId } from '../../src/model/ids';
import type { CollectResult, RuleSpec } from '../../src/model/types';
import { ChildWorker } from '../helpers/child-worker';
import { stopAll } from '../helpers/processes';
import { writeRulesFile } from '../helpers/rules-file';
import { TEST_SERVERS, createBucket, listKeys, runCli, s3, useS3Endpoint } from '../helpers/servers';

const ORG = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const API_KEY = 'fault-suite-api-key-5d2e8a';
const BUCKET = 'audit-faults';
const PORTS = { temporal: TEST_SERVERS.temporalPort + 40, ui: TEST_SERVERS.uiPort + 40, s3: TEST_SERVERS.s3Port + 40 };
const ENV = {
  TEMPORAL_ADDRESS: `127.0.0.1:${PORTS.temporal}`,
  AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${PORTS.s3}`,
  ATLASSIAN_FAULT_API_KEY: API_KEY,
  AUDIT_COLLECT_HTTP_TIMEOUT_MS: '2000',
  AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '0',
  AUDIT_COLLECT_PAGE_LIMIT: '200',
  AUDIT_COLLECT_PAGES_PER_OBJECT: '1',
  AUDIT_COLLECT_METRICS_ADDRESS: 'off',
} satisfies Record<string, string>;

let dir: string;
let temporal: RunningServer;
let s3Server: RunningServer;
let client: Client;
let worker = new ChildWorker(ENV);
const sims: Simulator[] = [];

const startOwnTemporal = () => startTemporal({ dir, port: PORTS.temporal, uiPort: PORTS.ui });
const startOwnS3 = () => startS3({ dir, port: PORTS.s3, accessKey: TEST_SERVERS.s3AccessKey, secretKey: TEST_SERVERS.s3SecretKey });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function newSim(events: number, options: { nullTail?: boolean } = {}): Promise<Simulator> {
  const sim = await startSimulator({
    seed: sims.length + 11,
    orgs: [{ orgId: ORG, apiKeys: [API_KEY], events }],
    rateLimitPerMinute: 0,
    lateFraction: 0.05,
    cursorNonce: true,
    ...options,
  });
  sims.push(sim);
  return sim;
}

async function control(sim: Simulator, path: string, body: unknown = {}): Promise<unknown> {
  const res = await fetch(`${sim.url}/_sim/${path}`, { method: 'POST', body: JSON.stringify(body) });
  return res.json();
}

const injectFaults = (sim: Simulator, faults: Fault[]) => control(sim, 'faults', { faults });

/** Applies a rule for this scenario through the real CLI. */
async function applyRule(ruleId: string, sim: Simulator): Promise<void> {
  const file = writeRulesFile(
    {
      connections: [{ name: 'faults', orgId: ORG, apiKey: 'env:ATLASSIAN_FAULT_API_KEY', baseUrl: sim.url }],
      rules: [
        { id: ruleId, connection: 'faults', bucket: BUCKET, prefix: `${ruleId}/`, interval: '1h', startFrom: '7d', heartbeatTimeout: '5s' },
      ],
    },
    join(dir, `${ruleId}.yaml`),
  );
  const { code, stderr } = await runCli(['apply', file], ENV);
  expect(stderr).toBe('');
  expect(code).toBe(0);
}

async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; worker log:\n${worker.log.slice(-3000)}`);
    await sleep(100);
  }
}

/** Retries a Temporal call while the server is restarting. */
async function patiently<T>(call: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
}

async function trigger(ruleId: string): Promise<number> {
  const handle = client.schedule.getHandle(scheduleId(ruleId));
  const before = (await handle.describe()).info.numActionsTaken;
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
  return before;
}

/** Waits for the run started after `actionsBefore` to close; keeps a worker alive meanwhile. */
async function waitForRun(
  ruleId: string,
  actionsBefore: number,
  timeoutMs = 240_000,
): Promise<{ status: string; result?: CollectResult; failure?: string }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!worker.running) await worker.start();
    const d = await patiently(() => client.schedule.getHandle(scheduleId(ruleId)).describe());
    if (d.info.numActionsTaken > actionsBefore && d.info.runningActions.length === 0) {
      const { workflowId, firstExecutionRunId } = d.info.recentActions.at(-1)!.action.workflow;
      const handle = client.workflow.getHandle(workflowId, firstExecutionRunId);
      const { status } = await handle.describe();
      if (status.name === 'COMPLETED') return { status: status.name, result: (await handle.result()) as CollectResult };
      const failure = await handle.result().then(
        () => '',
        (e: Error & { cause?: Error & { cause?: Error } }) => e.cause?.cause?.message ?? e.cause?.message ?? e.message,
      );
      return { status: status.name, failure };
    }
    await sleep(250);
  }
  throw new Error(`run of ${ruleId} did not finish; worker log:\n${worker.log.slice(-3000)}`);
}

/** A new simulator with `events` and the scenario's rule applied to it. */
async function newSimWithRule(ruleId: string, events: number, options: { nullTail?: boolean } = {}): Promise<Simulator> {
  const sim = await newSim(events, options);
  await applyRule(ruleId, sim);
  return sim;
}

/** A scenario's start: its simulator and rule, every page slowed for `slow.count` pages, and a run triggered. */
async function startSlowedRun(
  ruleId: string,
  events: number,
  slow: { delayMs: number; count: number },
): Promise<{ sim: Simulator; before: number }> {
  const sim = await newSimWithRule(ruleId, events);
  await injectFaults(sim, [{ kind: 'slow', ...slow }]);
  return { sim, before: await trigger(ruleId) };
}

/** Clears the simulator's faults and expects the run triggered after `actionsBefore` to complete. */
async function expectCompletedOnceFaultsCleared(sim: Simulator, ruleId: string, actionsBefore: number) {
  await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
  const run = await waitForRun(ruleId, actionsBefore);
  expect(run.status).toBe('COMPLETED');
  return run;
}

async function runToCompletion(ruleId: string): Promise<CollectResult> {
  const run = await waitForRun(ruleId, await trigger(ruleId));
  expect(run.failure ?? '').toBe('');
  expect(run.status).toBe('COMPLETED');
  return run.result!;
}

async function expectVerified(ruleId: string, events: number): Promise<void> {
  const { code, stdout, stderr } = await runCli(['verify', ruleId, '--json'], ENV);
  expect(stderr).toBe('');
  const report = JSON.parse(stdout);
  expect(report.source.checked).toBe(true);
  expect(report).toMatchObject({ duplicateIds: 0, malformedLines: 0, ok: true });
  expect(report.source.missing).toBe(0);
  expect(report.source.events).toBe(events);
  expect(report.events).toBe(events);
  expect(code).toBe(0);
  // The figures docs/reliability.md reports for each scenario.
  console.log(
    `${ruleId}: ${report.events} events in ${report.objects} objects, ${report.duplicateIds} duplicates, ${report.source.missing} missing`,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'audit-collect-faults-'));
  temporal = await startOwnTemporal();
  s3Server = await startOwnS3();
  useS3Endpoint(ENV.AWS_ENDPOINT_URL_S3);
  await createBucket(BUCKET);
  client = new Client({ connection: await Connection.connect({ address: ENV.TEMPORAL_ADDRESS }), namespace: 'default' });
  await worker.start();
});

afterAll(() =>
  stopAll(
    () => worker.kill('SIGTERM'),
    () => client?.connection.close(),
    ...sims.map((sim) => () => sim.close()),
    () => s3Server?.stop(),
    () => temporal?.stop(),
  ),
);

test('verify reports a missing object and a duplicated one, with a non-zero exit', async () => {
  await newSimWithRule('verify-check', 1000);
  await runToCompletion('verify-check');
  await expectVerified('verify-check', 1000);
  const keys = await listKeys(BUCKET, 'verify-check/');
  await s3().send(new CopyObjectCommand({ Bucket: BUCKET, CopySource: `${BUCKET}/${keys[0]}`, Key: `${keys[0]}.copy.json.zst` }));
  await s3().send(new DeleteObjectCommand({ Bucket: BUCKET, Key: keys[1] }));
  const { code, stdout } = await runCli(['verify', 'verify-check', '--json'], ENV);
  const report = JSON.parse(stdout);
  expect(code).toBe(3);
  expect(report.duplicateIds).toBe(200);
  expect(report.source.missing).toBe(200);
  expect(report.ok).toBe(false);
});

test('exactly once: the worker SIGKILLed 10 times during a catch-up with one-page objects', async () => {
  // Slow pages stretch the run (30 batches of 200) so that kills land mid-page, mid-upload and between batches.
  const { sim, before } = await startSlowedRun('worker-kills', 6000, { delayMs: 150, count: 10_000 });
  for (let n = 0; n < 10; n++) {
    await sleep(300 + Math.floor(Math.random() * 2500));
    await worker.kill('SIGKILL');
    await worker.start();
  }
  await expectCompletedOnceFaultsCleared(sim, 'worker-kills', before);
  await runToCompletion('worker-kills');
  await expectVerified('worker-kills', 6000);
});

test('a batch whose worker is killed resumes after the objects it already wrote, not from its start', async () => {
  // 20 objects of one 200-event page at ≥ 200 ms each: one batch (up to 20 s) holds them all.
  const { sim, before } = await startSlowedRun('batch-resume', 4000, { delayMs: 200, count: 10_000 });
  const deadline = Date.now() + 60_000;
  while ((await listKeys(BUCKET, 'batch-resume/')).length < 6 && Date.now() < deadline) await sleep(100);
  await worker.kill('SIGKILL');
  await worker.start();
  const run = await expectCompletedOnceFaultsCleared(sim, 'batch-resume', before);
  // The retried attempt read its start from the killed attempt's heartbeat details.
  const resumed = worker.log
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('batch resumes after'))
    .map((line) => JSON.parse(line) as { ruleId: string; objects: number })
    .filter((entry) => entry.ruleId === 'batch-resume');
  expect(resumed.length).toBeGreaterThanOrEqual(1);
  expect(resumed[0]!.objects).toBeGreaterThanOrEqual(1);
  // The result still counts every object and event of the batch, those before the kill included.
  expect(run.result!.run).toMatchObject({ events: 4000, objects: 20, caughtUp: true });
  await expectVerified('batch-resume', 4000);
});

test('the Temporal dev server stopped and restarted mid-run, on the same database file', async () => {
  const { sim, before } = await startSlowedRun('temporal-restart', 4000, { delayMs: 100, count: 10_000 });
  await sleep(1500);
  await temporal.stop();
  await sleep(3000);
  temporal = await startOwnTemporal();
  await expectCompletedOnceFaultsCleared(sim, 'temporal-restart', before);
  await runToCompletion('temporal-restart');
  await expectVerified('temporal-restart', 4000);
});

test('the S3 server down longer than the first retries, then back', async () => {
  const { sim, before } = await startSlowedRun('s3-outage', 3000, { delayMs: 100, count: 10_000 });
  await sleep(1000);
  await s3Server.stop();
  await sleep(8000); // activity retries at 1, 2 and 4 seconds all fail meanwhile
  s3Server = await startOwnS3();
  await expectCompletedOnceFaultsCleared(sim, 's3-outage', before);
  await expectVerified('s3-outage', 3000);
});

test('5xx bursts, 429s in both reset precisions, hung and malformed responses do not fail the run', async () => {
  const sim = await newSimWithRule('api-faults', 3000);
  // A pass between faults makes each fault hit a fresh batch, as outages spread over time would,
  // instead of one batch backing off ever longer.
  const faults: Fault[] = [
    { kind: 'status', status: 500, count: 3 },
    { kind: 'status', status: 502 },
    { kind: 'status', status: 503, retryAfter: 1 },
    { kind: 'rate-limit', reset: 'seconds' },
    { kind: 'rate-limit', retryAfter: 1 },
    { kind: 'hang' },
    { kind: 'malformed', count: 2 },
    { kind: 'rate-limit', reset: 'minute' },
  ];
  await injectFaults(
    sim,
    faults.flatMap((fault) => [fault, { kind: 'pass' } as Fault]),
  );
  const result = await runToCompletion('api-faults');
  expect(result.run.caughtUp).toBe(true);
  const stats = (await (await fetch(`${sim.url}/_sim/stats`)).json()) as { requests: Record<string, number> };
  expect(stats.requests['events-stream']).toBeGreaterThan(15 + 11);
  await expectVerified('api-faults', 3000);
});

test('late events arriving during a run are collected by the run or the next one', async () => {
  const { sim, before } = await startSlowedRun('late-arrivals', 3000, { delayMs: 100, count: 30 });
  await sleep(800);
  await control(sim, `orgs/${ORG}/events`, { count: 150, lateFraction: 0.6, lateMs: 12 * 3_600_000 });
  await sleep(800);
  await control(sim, `orgs/${ORG}/events`, { count: 150, lateFraction: 0.6, lateMs: 48 * 3_600_000 });
  expect((await waitForRun('late-arrivals', before)).status).toBe('COMPLETED');
  await runToCompletion('late-arrivals');
  await expectVerified('late-arrivals', 3300);
});

test('exactly once: an API key revoked mid-catch-up (after two objects), then restored and the rule resumed', async () => {
  const { sim, before } = await startSlowedRun('key-revoked', 5000, { delayMs: 150, count: 10_000 });
  await until(async () => (await listKeys(BUCKET, 'key-revoked/')).length >= 2);
  await control(sim, `keys/${API_KEY}/revoke`);
  const failed = await waitForRun('key-revoked', before);
  expect(failed.status).toBe('FAILED');
  expect(failed.failure).toContain('rule key-revoked');
  expect(failed.failure).toContain('401');
  expect(failed.failure).not.toContain(API_KEY);

  const status = JSON.parse((await runCli(['status', 'key-revoked', '--json'], ENV)).stdout);
  expect(status.paused).toBe(true);
  expect(status.note).toContain('rule key-revoked');
  expect(status.note).toContain('API key');
  expect(status.lastRun.failure).toContain('401');

  // The failed run's objects stay written: the next run starts from the checkpoint, which is
  // ahead of the last successful run's result, and reads none of them again.
  const written = await listKeys(BUCKET, 'key-revoked/');
  await control(sim, `keys/${API_KEY}/restore`);
  await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
  expect((await runCli(['resume', 'key-revoked'], ENV)).code).toBe(0);
  const result = await runToCompletion('key-revoked');
  expect(result.run.caughtUp).toBe(true);
  expect(await listKeys(BUCKET, 'key-revoked/')).toEqual(expect.arrayContaining(written));
  expect(worker.log).toContain('batch starts from the checkpoint, which is ahead');
  await expectVerified('key-revoked', 5000);
});

test('exactly once: PAGES_PER_OBJECT and PAGE_LIMIT changed between attempts of a batch', async () => {
  const { sim, before } = await startSlowedRun('settings-change', 4000, { delayMs: 200, count: 10_000 });
  await until(async () => (await listKeys(BUCKET, 'settings-change/')).length >= 3);
  await worker.kill('SIGKILL');
  // The retried attempt runs on a worker that cuts objects elsewhere: 3 pages of 150 events.
  worker = new ChildWorker({ ...ENV, AUDIT_COLLECT_PAGES_PER_OBJECT: '3', AUDIT_COLLECT_PAGE_LIMIT: '150' });
  await worker.start();
  await expectCompletedOnceFaultsCleared(sim, 'settings-change', before);
  await runToCompletion('settings-change');
  await expectVerified('settings-change', 4000);
  await worker.kill('SIGTERM');
  worker = new ChildWorker(ENV);
  await worker.start();
});

test('exactly once: a stale previous-run result with the checkpoint ahead', async () => {
  const sim = await newSimWithRule('stale-result', 2000);
  const first = await runToCompletion('stale-result');
  await control(sim, `orgs/${ORG}/events`, { count: 600 });
  const second = await runToCompletion('stale-result');
  expect(second.run.events).toBe(600);
  const written = await listKeys(BUCKET, 'stale-result/');
  // A run handed the first run's state (as a server that lost or staled the last result would)
  // starts from the checkpoint, which is further along, and writes nothing again.
  const handle = client.schedule.getHandle(scheduleId('stale-result'));
  const action = (await handle.describe()).action;
  if (action.type !== 'startWorkflow') throw new Error('not a start-workflow schedule');
  const rule = (action.args?.[0] as { rule: RuleSpec }).rule;
  const { position, startPointMs, lastProcessedAt, totals } = first;
  const stale = (await client.workflow.execute('collectWorkflow', {
    taskQueue: action.taskQueue,
    workflowId: `collect-stale-result-manual-${Date.now()}`,
    args: [{ rule, state: { position, startPointMs, lastProcessedAt, totals } }],
  })) as CollectResult;
  expect(stale.position).toMatchObject({ atMs: second.position.atMs, idsAtMs: second.position.idsAtMs });
  expect(stale.totals).toEqual(second.totals);
  expect(await listKeys(BUCKET, 'stale-result/')).toEqual(written);
  await expectVerified('stale-result', 2600);
});

test("exactly once: null-tail polling with new events arriving at the tail's millisecond", async () => {
  const sim = await newSimWithRule('null-tail', 1500, { nullTail: true });
  expect((await runToCompletion('null-tail')).run.events).toBe(1500);
  // Events processed in the very millisecond of the last one written (some sort before it by ID).
  await control(sim, `orgs/${ORG}/events`, { count: 40, atLastMillisecond: true });
  expect((await runToCompletion('null-tail')).run.events).toBe(40);
  await control(sim, `orgs/${ORG}/events`, { count: 30 });
  await control(sim, `orgs/${ORG}/events`, { count: 20, atLastMillisecond: true });
  expect((await runToCompletion('null-tail')).run.events).toBe(50);
  expect((await runToCompletion('null-tail')).run.events).toBe(0);
  await expectVerified('null-tail', 1590);
});

test('exactly once: the cursor expired while the rule was paused', async () => {
  const sim = await newSim(2000);
  await control(sim, 'settings', { cursorTtlMs: 3000 });
  await applyRule('cursor-expired', sim);
  await runToCompletion('cursor-expired');
  expect((await runCli(['pause', 'cursor-expired', '--reason', 'maintenance'], ENV)).code).toBe(0);
  await sleep(3500);
  await control(sim, `orgs/${ORG}/events`, { count: 100 });
  expect((await runCli(['resume', 'cursor-expired'], ENV)).code).toBe(0);
  // The stored cursor is refused as expired; the run goes on from the last processedAt.
  const result = await runToCompletion('cursor-expired');
  expect(result.run.events).toBe(100);
  expect(worker.log).toContain('the API refused the stored cursor');
  const status = JSON.parse((await runCli(['status', 'cursor-expired', '--json'], ENV)).stdout);
  expect(status.paused).toBe(false);
  await expectVerified('cursor-expired', 2100);
});

test('a refused cursor is recovered from the last processedAt; a second refusal pauses the rule', async () => {
  const sim = await newSimWithRule('bad-cursor', 2000);
  await runToCompletion('bad-cursor');
  await control(sim, `orgs/${ORG}/events`, { count: 100 });
  await injectFaults(sim, [{ kind: 'invalid-cursor' }]);
  expect((await runToCompletion('bad-cursor')).run.events).toBe(100);

  // Refused again when read from the last processedAt: that needs a human.
  await control(sim, `orgs/${ORG}/events`, { count: 50 });
  await injectFaults(sim, [{ kind: 'invalid-cursor', count: 2 }]);
  const failed = await waitForRun('bad-cursor', await trigger('bad-cursor'));
  expect(failed.status).toBe('FAILED');
  expect(failed.failure).toContain('ADMIN-400-1');
  const status = JSON.parse((await runCli(['status', 'bad-cursor', '--json'], ENV)).stdout);
  expect(status.paused).toBe(true);
  expect((await runCli(['resume', 'bad-cursor'], ENV)).code).toBe(0);
  expect((await runToCompletion('bad-cursor')).run.events).toBe(50);
  await expectVerified('bad-cursor', 2150);
});
