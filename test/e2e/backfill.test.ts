// Backfills, on the real Temporal dev server, the real S3 server and the simulator over HTTP: a
// 7-day backfill over a 50,000-event org writes each event in its days exactly once while the live
// schedule keeps completing runs; a worker killed mid-backfill loses and duplicates nothing; the
// same backfill again, and an overlapping one, write the same keys with the same content; bad
// requests are refused.
import { createHash } from 'node:crypto';
import { CancelledFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import type { Simulator } from '../../dev/simulator/server';
import { planSlices, type BackfillProgress } from '../../src/model/backfill';
import { ChildWorker } from '../helpers/child-worker';
import { stopAll } from '../helpers/processes';
import { completedRun, servedEvents } from '../helpers/runs';
import { writeRulesFile } from '../helpers/rules-file';
import { DAY_MS, DEFAULT_PREFIX, listKeys, objectText, orgServerStops, readEvents, runCli, startOrgServers } from '../helpers/servers';

const ORG = '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const API_KEY = 'sim-backfill-api-key-93c1d7e5';
const BUCKET = 'audit-backfill-e2e';
const RULE = 'acme-backfill';
const CANCEL_RULE = 'acme-cancel';
// Slow enough (3 requests a second) that live runs and a kill happen while the backfill runs.
const WORKER = { ATLASSIAN_TEST_API_KEY: API_KEY, AUDIT_COLLECT_PAGES_PER_OBJECT: '2', AUDIT_COLLECT_METRICS_ADDRESS: 'off' };
const PACED = { ...WORKER, AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '180' };

let sim: Simulator;
let client: Client;
let worker: ChildWorker;
let rulesFile: string;
let liveStartMs: number;
let backfillId: string;
let range: { from: string; to: string };

async function append(count: number): Promise<void> {
  await fetch(`${sim.url}/_sim/orgs/${ORG}/events`, { method: 'POST', body: JSON.stringify({ count }) });
}

const liveRun = (ruleId = RULE) => completedRun(client, ruleId);

async function backfillStatus(id: string): Promise<{ status: string; progress: BackfillProgress }> {
  const { code, stdout, stderr } = await runCli(['backfill', 'status', id, '--json']);
  if (code !== 0) throw new Error(`backfill status exited ${code}: ${stderr}`);
  return JSON.parse(stdout);
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let n = 0; n < 600; n++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`gave up waiting: ${what}`);
}

async function startWorker(env: Record<string, string>): Promise<ChildWorker> {
  const w = new ChildWorker(env);
  await w.start();
  return w;
}

function isBackfillKey(key: string): boolean {
  return key.includes(`/${RULE}-backfill-`);
}

/** Each object's events, decoded (zstd frames follow API pages, so the bytes depend on the page size). */
async function bodiesByKey(keys: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of keys)
    out.set(
      key,
      createHash('sha256')
        .update(await objectText(BUCKET, key))
        .digest('hex'),
    );
  return out;
}

beforeAll(async () => {
  // 50,000 events processed over the last 8 days; no 429s from the simulator.
  ({ sim, client } = await startOrgServers(
    { orgId: ORG, apiKey: API_KEY, events: 50_000, bucket: BUCKET },
    { seed: 11, rateLimitPerMinute: 0, seedSpanMs: 8 * DAY_MS, lateFraction: 0.02 },
  ));
  // Two rules on one org: the second is for the cancel test.
  const rule = (id: string, prefix: string) => ({
    id,
    connection: 'acme',
    bucket: BUCKET,
    prefix,
    interval: '1h',
    startFrom: '1d',
    heartbeatTimeout: '5s',
  });
  rulesFile = writeRulesFile({
    connections: [{ name: 'acme', orgId: ORG, apiKey: 'env:ATLASSIAN_TEST_API_KEY', baseUrl: sim.url }],
    rules: [rule(RULE, DEFAULT_PREFIX), rule(CANCEL_RULE, 'cancel-test/')],
  });
  worker = await startWorker(PACED);
});

afterAll(() => stopAll(() => worker?.kill(), ...orgServerStops(sim, client)));

test('a backfill is refused, with the reason, before the live rule has run, and for bad ranges', async () => {
  expect((await runCli(['apply', rulesFile])).code).toBe(0);
  const early = await runCli(['backfill', RULE, '--from', '2026-01-01', '--to', '2026-01-02']);
  expect(early.code).toBe(2);
  expect(early.stderr).toContain(`rule ${RULE} has no completed live run yet`);
  expect(early.stderr).toContain(`audit-collect trigger ${RULE} --wait`);

  const first = await liveRun();
  liveStartMs = first.startPointMs;
  const t0 = new Date(liveStartMs).toISOString();
  const day = (ms: number) => new Date(ms).toISOString();

  const cases: Array<{ args: string[]; code: number; says: string[] }> = [
    { args: ['--from', day(liveStartMs - DAY_MS), '--to', day(liveStartMs - 2 * DAY_MS)], code: 2, says: ['is not before --to'] },
    {
      args: ['--from', day(Date.now() - 200 * DAY_MS), '--to', day(Date.now() - 190 * DAY_MS)],
      code: 2,
      says: ['older than the 180 days'],
    },
    { args: ['--from', day(liveStartMs - DAY_MS), '--to', day(Date.now() + DAY_MS)], code: 2, says: ['is in the future'] },
    {
      args: ['--from', day(liveStartMs - DAY_MS), '--to', day(liveStartMs + 3_600_000)],
      code: 2,
      says: [
        'overlaps live collection',
        `from ${t0}`,
        `${t0} to ${day(liveStartMs + 3_600_000)} is already covered`,
        '--allow-overlap',
        `--to ${t0}`,
      ],
    },
    { args: ['--from', '2026-13-45', '--to', day(liveStartMs)], code: 2, says: ["--from '2026-13-45' is not an ISO date"] },
    { args: ['--from', '2026-05-01T00:00:00', '--to', day(liveStartMs)], code: 2, says: ['with a zone'] },
    { args: ['--from', day(liveStartMs - DAY_MS), '--to', t0, '--concurrency', '0'], code: 2, says: ['--concurrency'] },
  ];
  for (const c of cases) {
    const out = await runCli(['backfill', RULE, ...c.args]);
    expect({ args: c.args, code: out.code }).toEqual({ args: c.args, code: c.code });
    for (const text of c.says) expect(out.stderr).toContain(text);
  }
  const unknown = await runCli(['backfill', 'no-such-rule', '--from', day(liveStartMs - DAY_MS), '--to', t0]);
  expect(unknown.code).toBe(4);
  expect((await runCli(['backfill', 'status', 'backfill-nothing-here'])).code).toBe(4);
  // Nothing was started by any of them.
  const started: string[] = [];
  // (Other test files share the Temporal server: only this rule's backfills count.)
  const query = `WorkflowType = 'backfillWorkflow' AND WorkflowId STARTS_WITH 'backfill-${RULE}-'`;
  for await (const w of client.workflow.list({ query })) started.push(w.workflowId);
  expect(started).toEqual([]);
});

test('a 7-day backfill over 50,000 events writes each event once while live runs complete, across a worker kill', async () => {
  range = { from: new Date(liveStartMs - 7 * DAY_MS).toISOString(), to: new Date(liveStartMs).toISOString() };
  // Whole UTC days: 8 of them, unless T0 falls on midnight.
  const days = planSlices({ fromMs: Date.parse(range.from), toMs: Date.parse(range.to), liveStartMs });
  expect(days.length).toBe(liveStartMs % DAY_MS === 0 ? 7 : 8);
  const start = await runCli(['backfill', RULE, '--from', range.from, '--to', range.to, '--concurrency', '3', '--json']);
  expect(start.stderr).toBe('');
  expect(start.code).toBe(0);
  const outcome = JSON.parse(start.stdout);
  expect(outcome).toMatchObject({ started: true, slices: days.length, concurrency: 3 });
  backfillId = outcome.backfillId;

  // The same request again finds the running backfill instead of starting a second copy.
  const again = await runCli(['backfill', RULE, '--from', range.from, '--to', range.to, '--concurrency', '5']);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain(`already running: ${backfillId}`);

  // Kill the worker once a few batches are written, and start another.
  await until('the backfill writes its first objects', async () => (await backfillStatus(backfillId)).progress.objects >= 2);
  await worker.kill('SIGKILL');
  worker = await startWorker(PACED);

  // The live schedule keeps completing runs, with their new events, while the backfill runs.
  for (let n = 0; n < 2; n++) {
    await append(40);
    const run = await liveRun();
    expect(run.run.events).toBe(40);
  }
  const meanwhile = await backfillStatus(backfillId);
  expect(meanwhile.status).toBe('RUNNING');
  expect(meanwhile.progress.slices.done).toBeLessThan(days.length);

  const result = (await client.workflow.getHandle(backfillId).result()) as BackfillProgress;
  expect(result.slices).toEqual({ total: days.length, done: days.length, running: 0 });
  expect(result.fraction).toBe(1);
  expect(result.dropped).toBe(0);

  // Every event processed from the first day's start to T0 is in exactly one backfill object, as
  // served; with live collection from T0 on, every event from then on is in the prefix exactly once.
  const fromMs = days[0]!.fromMs;
  const served = (await servedEvents(sim.url, ORG)).filter((e) => Date.parse(e.attributes.processedAt) >= fromMs);
  const stored = await readEvents(BUCKET, DEFAULT_PREFIX);
  const ids = stored.map(({ event }) => event.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(served.length);
  const storedById = new Map(stored.map((s) => [s.event.id, s]));
  for (const event of served) {
    const found = storedById.get(event.id);
    expect(found?.event).toEqual(event);
    expect(isBackfillKey(found!.key)).toBe(Date.parse(event.attributes.processedAt) < liveStartMs);
  }
  const inRange = served.filter((e) => Date.parse(e.attributes.processedAt) < liveStartMs).length;
  expect(result.events).toBe(inRange);
  expect(inRange).toBeGreaterThan(40_000);

  // The live cursor did not move: the live rule's next run has nothing new.
  expect((await liveRun()).run.events).toBe(0);

  // Status, piped: plain text with a full bar, no terminal control characters.
  const status = await runCli(['backfill', 'status', backfillId]);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain(`${backfillId} (COMPLETED)`);
  expect(status.stdout).toContain(`[${'#'.repeat(30)}] 100%  ${days.length}/${days.length} slices done`);
  expect(status.stdout).toContain(`${inRange} events in`);
  expect(status.stdout).not.toMatch(/[\r\x1b]/);
});

test('backfill cancel stops a running backfill and its slices', async () => {
  await liveRun(CANCEL_RULE);
  const status = JSON.parse((await runCli(['status', CANCEL_RULE, '--json'])).stdout);
  const t0 = status.lastSuccess.result.startPointMs as number;
  const start = await runCli([
    'backfill',
    CANCEL_RULE,
    '--from',
    new Date(t0 - 7 * DAY_MS).toISOString(),
    '--to',
    new Date(t0).toISOString(),
    '--concurrency',
    '2',
    '--json',
  ]);
  expect(start.code).toBe(0);
  const id = JSON.parse(start.stdout).backfillId as string;
  await until('the backfill to make progress', async () => (await backfillStatus(id)).progress.events > 0);

  const cancel = await runCli(['backfill', 'cancel', id]);
  expect(cancel.code).toBe(0);
  expect(cancel.stdout).toContain(`cancel requested for ${id}`);
  const error = await client.workflow
    .getHandle(id)
    .result()
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  await until('every slice to close', async () => {
    for await (const w of client.workflow.list({
      query: `WorkflowType = 'backfillSliceWorkflow' AND WorkflowId STARTS_WITH '${id}-slice-'`,
    })) {
      if (w.status.name === 'RUNNING') return false;
    }
    return true;
  });
  const after = await backfillStatus(id);
  expect(after.status).toBe('CANCELLED');
  expect(after.progress.slices.done).toBeLessThan(after.progress.slices.total);
  expect((await runCli(['backfill', 'cancel', id])).stdout).toContain('is not running (CANCELLED)');
});

test('the same backfill again, and an overlapping one, write the same keys with the same content, and no API key anywhere', async () => {
  const before = await bodiesByKey((await listKeys(BUCKET, DEFAULT_PREFIX)).filter(isBackfillKey));
  expect(before.size).toBeGreaterThan(10);
  // Unpaced this time: the request budget only changes how fast it goes, never what it writes.
  await worker.kill();
  worker = await startWorker({ ...WORKER, AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '0' });
  const again = await runCli(['backfill', RULE, '--from', range.from, '--to', range.to, '--concurrency', '4', '--json']);
  expect(JSON.parse(again.stdout)).toMatchObject({ started: true, backfillId });
  await client.workflow.getHandle(backfillId).result();
  const after = await bodiesByKey((await listKeys(BUCKET, DEFAULT_PREFIX)).filter(isBackfillKey));
  expect(after).toEqual(before);

  // An overlapping range that starts and ends mid-day, with another concurrency and page size: the
  // days it shares are cut at the same events, so it overwrites the same objects.
  await worker.kill();
  worker = await startWorker({ ...WORKER, AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '0', AUDIT_COLLECT_PAGE_LIMIT: '300' });
  const overlap = {
    from: new Date(liveStartMs - 3 * DAY_MS - 5 * 3_600_000).toISOString(),
    to: new Date(liveStartMs - DAY_MS + 7 * 3_600_000).toISOString(),
  };
  const third = await runCli(['backfill', RULE, '--from', overlap.from, '--to', overlap.to, '--concurrency', '2', '--json']);
  expect(third.code).toBe(0);
  await client.workflow.getHandle(JSON.parse(third.stdout).backfillId).result();
  expect(await bodiesByKey((await listKeys(BUCKET, DEFAULT_PREFIX)).filter(isBackfillKey))).toEqual(before);
  const ids = (await readEvents(BUCKET, DEFAULT_PREFIX)).map(({ event }) => event.id);
  expect(new Set(ids).size).toBe(ids.length);

  for await (const execution of client.workflow.list({
    query: `WorkflowType = 'backfillWorkflow' OR WorkflowType = 'backfillSliceWorkflow'`,
  })) {
    const history = JSON.stringify(await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory());
    expect(history).not.toContain(API_KEY);
    expect(history).not.toContain(Buffer.from(API_KEY).toString('base64'));
  }
});
