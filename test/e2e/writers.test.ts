// Exactly once with more than one writer and with events readable late (issue 18). Workers run as
// child processes (so they can be frozen and killed) and reach S3 through our fault proxy, which
// holds chosen uploads and counts every PutObject per key. Each scenario ends by comparing the
// simulator's own event log with what S3 holds: 0 missing, 0 duplicates, and every data key PUT
// successfully once.
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { startS3FaultProxy, type S3FaultProxy } from '../../dev/s3-proxy/proxy';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../dev/simulator/server';
import { scheduleId } from '../../src/model/ids';
import { scheduledRule } from '../../src/client/schedules';
import { TASK_QUEUE } from '../../src/model/ids';
import { type CollectResult } from '../../src/model/types';
import { ChildWorker } from '../helpers/child-worker';
import { stopAll } from '../helpers/processes';
import { writeRulesFile } from '../helpers/rules-file';
import { TEST_ENV, createBucket, readEvents, runCli, temporalClient, useTestEnv } from '../helpers/servers';

const ORG = '3f0c7d2e-8a41-4b6e-9c5d-1e2f3a4b5c6d';
const API_KEY = 'writers-suite-api-key-8c1f';
const BUCKET = 'audit-writers';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let proxy: S3FaultProxy;
let client: Client;
const sims: Simulator[] = [];
const workers: ChildWorker[] = [];
let dir: string;

/** A worker process that reaches S3 only through the fault proxy. */
function newWorker(extra: Record<string, string> = {}): ChildWorker {
  const worker = new ChildWorker({
    AWS_ENDPOINT_URL_S3: proxy.url,
    ATLASSIAN_WRITERS_API_KEY: API_KEY,
    AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '0',
    AUDIT_COLLECT_PAGE_LIMIT: '100',
    AUDIT_COLLECT_PAGES_PER_OBJECT: '1',
    AUDIT_COLLECT_METRICS_ADDRESS: 'off',
    ...extra,
  });
  workers.push(worker);
  return worker;
}

async function newSim(events: number, options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = await startSimulator({
    seed: sims.length + 101,
    orgs: [{ orgId: ORG, apiKeys: [API_KEY], events }],
    rateLimitPerMinute: 0,
    seedSpanMs: 86_400_000,
    ...options,
  });
  sims.push(sim);
  return sim;
}

async function applyRule(ruleId: string, sim: Simulator): Promise<void> {
  const file = writeRulesFile(
    {
      connections: [{ name: 'writers', orgId: ORG, apiKey: 'env:ATLASSIAN_WRITERS_API_KEY', baseUrl: sim.url }],
      rules: [
        {
          id: ruleId,
          connection: 'writers',
          bucket: BUCKET,
          prefix: `${ruleId}/`,
          // A schedule fires at a fixed offset within its interval (a hash of the rule ID): with 24h, a
          // scheduled run falls inside this file's few minutes far more rarely than with 1h.
          interval: '24h',
          startFrom: '7d',
          heartbeatTimeout: '5s',
        },
      ],
    },
    join(dir, `${ruleId}.yaml`),
  );
  const { code, stderr } = await runCli(['apply', file], { ATLASSIAN_WRITERS_API_KEY: API_KEY });
  expect(stderr).toBe('');
  expect(code).toBe(0);
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms; worker logs:\n${workers.map((w) => w.log.slice(-1500)).join('\n---\n')}`);
    await sleep(100);
  }
}

/** Triggers the rule's schedule (overlap SKIP) and waits for that run's result. */
async function runOnce(ruleId: string): Promise<CollectResult> {
  const handle = client.schedule.getHandle(scheduleId(ruleId));
  const before = (await handle.describe()).info.numActionsTaken;
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
  let workflowId = '';
  await until(async () => {
    const d = await handle.describe();
    workflowId = d.info.numActionsTaken > before ? (d.info.recentActions.at(-1)?.action.workflow.workflowId ?? '') : '';
    return workflowId !== '';
  }, `a run of ${ruleId} starts`);
  return (await client.workflow.getHandle(workflowId).result()) as CollectResult;
}

/** A second live run of the rule beside the schedule's, as a deleted-and-applied schedule's old run would be. */
async function startSecondWriter(ruleId: string): Promise<CollectResult> {
  const rule = await scheduledRule({ client, ruleId });
  const handle = await client.workflow.start('collectWorkflow', {
    taskQueue: TASK_QUEUE,
    workflowId: `collect-${ruleId}-second-writer`,
    args: [{ rule }],
  });
  return (await handle.result()) as CollectResult;
}

/**
 * The simulator's own log against S3: every event once, none missing, and every data key of the rule
 * PUT successfully exactly once (counted at the proxy). Returns the figures for the test's log line.
 */
async function expectExactlyOnce(sim: Simulator, ruleId: string): Promise<{ events: number; objects: number }> {
  const expected = sim.logs.get(ORG)!.events.map((e) => e.id);
  const stored = (await readEvents(BUCKET, `${ruleId}/`)).map((e) => e.event.id);
  const counts = new Map<string, number>();
  for (const id of stored) counts.set(id, (counts.get(id) ?? 0) + 1);
  const duplicates = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  const missing = expected.filter((id) => !counts.has(id));
  const puts = [...proxy.successfulPutsByKey(BUCKET)].filter(([key]) => key.startsWith(`${ruleId}/`));
  const rewritten = puts.filter(([, n]) => n !== 1);
  expect({ missing: missing.slice(0, 5), duplicates: duplicates.slice(0, 5), rewritten }).toEqual({
    missing: [],
    duplicates: [],
    rewritten: [],
  });
  expect(stored).toHaveLength(expected.length);
  console.log(`${ruleId}: ${expected.length} events in ${puts.length} objects, 0 missing, 0 duplicates, every key PUT once`);
  return { events: expected.length, objects: puts.length };
}

/** Data keys of the rule PUT successfully so far. */
const dataKeys = (ruleId: string) => [...proxy.successfulPutsByKey(BUCKET).keys()].filter((k) => k.startsWith(`${ruleId}/`)).length;

/** PutObjects of the rule's data keys that S3 refused because the key was taken (412). */
const refusedDataPuts = (ruleId: string) => proxy.puts().filter((p) => p.key.startsWith(`${ruleId}/`) && p.status === 412);

beforeAll(async () => {
  useTestEnv();
  dir = mkdtempSync(join(tmpdir(), 'audit-collect-writers-'));
  // Conditional writes of one key forwarded one at a time, as AWS S3 makes them atomic (the
  // proxy's default; versitygw alone lets a few racing ones through, see docs/reliability.md).
  proxy = await startS3FaultProxy({ target: TEST_ENV.AWS_ENDPOINT_URL_S3!, port: 0 });
  client = await temporalClient();
  await createBucket(BUCKET);
});

// A failed scenario must not leave its workers polling: the next one would meet them.
afterEach(async () => {
  await stopAll(...workers.map((w) => () => (w.freeze(false), w.kill())));
});

afterAll(async () => {
  await stopAll(
    ...workers.map((w) => () => (w.freeze(false), w.kill())),
    ...sims.map((s) => () => s.close()),
    () => proxy?.close(),
    () => client?.connection.close(),
  );
});

test("two writers at once (the run a deleted schedule left, beside the new schedule's): each key written once, nothing lost", async () => {
  const sim = await newSim(3_000);
  await applyRule('two-runs', sim);
  // Slow pages, so both runs are reading the same stretch at the same time.
  await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ faults: [{ kind: 'slow', delayMs: 100, count: 200 }] }) });
  const worker = newWorker();
  await worker.start();
  const [first, second] = await Promise.all([runOnce('two-runs'), startSecondWriter('two-runs')]);
  // Both started from nothing at once: one found the other's first key taken or its checkpoint moved on.
  expect(refusedDataPuts('two-runs').length + (first.run.superseded || second.run.superseded ? 1 : 0)).toBeGreaterThan(0);
  await runOnce('two-runs');
  await expectExactlyOnce(sim, 'two-runs');
  await worker.kill();
});

test('a worker frozen past the heartbeat timeout mid-upload while another takes over, then thawed: its late upload changes nothing', async () => {
  const sim = await newSim(2_000);
  await applyRule('frozen', sim);
  await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ faults: [{ kind: 'slow', delayMs: 300, count: 40 }] }) });
  const a = newWorker();
  await a.start();
  // Hold A's third data upload at the proxy (uploads go one at a time): A has sent it, S3 has not seen it.
  const held = proxy.hold({ method: 'PUT', key: (k) => k.startsWith('frozen/') && dataKeys('frozen') >= 2 });
  const run = runOnce('frozen');
  await held.reached;
  a.freeze(true);
  const b = newWorker();
  await b.start();
  // B gets the batch after the 5 s heartbeat timeout and writes the rest, the held key included.
  await until(() => dataKeys('frozen') >= 5, 'the other worker writes on');
  const result = await run;
  held.release();
  expect(await held.answered).toEqual({ status: 412 });
  a.freeze(false);
  await sleep(2_000);
  expect(result.run.caughtUp).toBe(true);
  await runOnce('frozen');
  await expectExactlyOnce(sim, 'frozen');
  await Promise.all([a.kill(), b.kill()]);
});

test('a slow tail upload overtaken by a writer that read more events: the longer object stands, the late PUT is refused, nothing lost', async () => {
  const sim = await newSim(300);
  await applyRule('overtaken', sim);
  const worker = newWorker();
  await worker.start();
  await runOnce('overtaken');
  // Three new events: writer A reads them and its upload is held.
  await fetch(`${sim.url}/_sim/orgs/${ORG}/events`, { method: 'POST', body: JSON.stringify({ count: 3 }) });
  const held = proxy.hold({ method: 'PUT', key: (k) => k.startsWith('overtaken/') });
  const slow = runOnce('overtaken');
  await held.reached;
  // Two more arrive; writer B (a second run) reads all five into the same key and finishes first.
  await fetch(`${sim.url}/_sim/orgs/${ORG}/events`, { method: 'POST', body: JSON.stringify({ count: 2 }) });
  const fast = await startSecondWriter('overtaken');
  expect(fast.run.events).toBe(5);
  held.release();
  expect(await held.answered).toEqual({ status: 412 });
  const late = await slow;
  // A found the key taken by the longer object, and the checkpoint B had moved on: it stopped there.
  expect(late.run.superseded).toBe(true);
  expect(late.lastProcessedAt).toBe(fast.lastProcessedAt);
  await runOnce('overtaken');
  await expectExactlyOnce(sim, 'overtaken');
  await worker.kill();
});

test('events readable up to 5 s after they are processed, appended continuously while the rule is polled every 2 s: none lost', async () => {
  const sim = await newSim(500, { visibilityDelayMs: 5_000 });
  await applyRule('late-readers', sim);
  const worker = newWorker({ AUDIT_COLLECT_SETTLE_SECONDS: '7' });
  await worker.start();
  let appending = true;
  const appends = (async () => {
    for (const end = Date.now() + 30_000; Date.now() < end; await sleep(300)) {
      await fetch(`${sim.url}/_sim/orgs/${ORG}/events`, { method: 'POST', body: JSON.stringify({ count: 10 }) });
    }
    appending = false;
  })();
  let polls = 0;
  while (appending) {
    await runOnce('late-readers');
    polls += 1;
    await sleep(2_000);
  }
  await appends;
  // Past the window, every event is settled: one more run collects the tail.
  await sleep(8_000);
  await runOnce('late-readers');
  expect(polls).toBeGreaterThanOrEqual(5);
  const { events } = await expectExactlyOnce(sim, 'late-readers');
  expect(events).toBeGreaterThan(900);
  await worker.kill();
});

test('an event readable late in the millisecond of the newest one, sorting before it by ID, is collected once', async () => {
  const sim = await newSim(200, { visibilityDelayMs: 3_000 });
  await applyRule('same-ms', sim);
  const worker = newWorker({ AUDIT_COLLECT_SETTLE_SECONDS: '5' });
  await worker.start();
  await runOnce('same-ms');
  const log = sim.logs.get(ORG)!;
  const added = log.append({ count: 5, nowMs: Date.now(), lateFraction: 0, lateMs: 0, sameMillisecond: true });
  // The one that sorts first becomes readable 3 s late; the others at once.
  const sorted = [...added].sort((x, y) => (x.id < y.id ? -1 : 1));
  for (const e of added) e.visibilityDraw = e === sorted[0] ? 0.999 : 0;
  await runOnce('same-ms');
  await sleep(1_000);
  await runOnce('same-ms');
  await sleep(6_000);
  await runOnce('same-ms');
  await expectExactlyOnce(sim, 'same-ms');
  await worker.kill();
});

test('many events in one millisecond across a kill: the retry resumes inside the millisecond, by the IDs written there', async () => {
  const sim = await newSim(200, { cursorNonce: true });
  await applyRule('one-ms', sim);
  await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ faults: [{ kind: 'slow', delayMs: 200, count: 40 }] }) });
  const a = newWorker();
  await a.start();
  await runOnce('one-ms');
  await fetch(`${sim.url}/_sim/orgs/${ORG}/events`, { method: 'POST', body: JSON.stringify({ count: 450, sameMillisecond: true }) });
  // Kill A while its third object of that millisecond is on its way to S3 (uploads go one at a time).
  const held = proxy.hold({ method: 'PUT', key: (k) => k.startsWith('one-ms/') && dataKeys('one-ms') >= 4 });
  const run = runOnce('one-ms');
  await held.reached;
  await a.kill();
  const b = newWorker();
  await b.start();
  const result = await run;
  held.release();
  // The dead worker's upload still reaches S3, after the retry wrote that key: refused.
  expect(await held.answered).toEqual({ status: 412 });
  expect(result.position.idsAtMs.length).toBeGreaterThanOrEqual(450);
  await runOnce('one-ms');
  await expectExactlyOnce(sim, 'one-ms');
  await b.kill();
});
