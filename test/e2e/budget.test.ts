// One org's request budget across every worker (issue 11): three worker processes collect six
// rules on one org and a backfill, against the simulator enforcing 50 requests a minute per org
// and path (fixed one-minute windows, X-RateLimit-* on every response). Each worker paces from
// what the API says, without a shared store: at most 2 % of requests answered 429, at least 85 %
// of the budget used while there is work, and `verify` finds nothing missing or written twice.
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Simulator, SimulatorStats } from '../../dev/simulator/server';
import type { BackfillProgress } from '../../src/model/backfill';
import type { CollectResult } from '../../src/model/types';
import { ChildWorker } from '../helpers/child-worker';
import { writeRulesFile } from '../helpers/rules-file';
import { DAY_MS, runCli, startOrgServers } from '../helpers/servers';

const ORG = '5b2c8d1e-3f4a-4b6c-9d7e-0a1b2c3d4e5f';
const API_KEY = 'sim-budget-api-key-2f7c9a41';
const BUCKET = 'audit-budget-e2e';
const LIMIT = 50;
// 50,000 events over 8 days. budget-1 starts an hour back (one page), so that its backfill can
// start at once; budget-2..6 a day back (13 pages of 500 each); the backfill reads the 7 days
// before budget-1's start (about 95 pages): some 175 requests, three and a half minutes at 50 a
// minute, so that at least two whole minutes of work are measured.
const EVENTS = 50_000;
const BACKFILL_RULE = 'budget-1';
const RULES = [BACKFILL_RULE, 'budget-2', 'budget-3', 'budget-4', 'budget-5', 'budget-6'];
const WORKER_ENV = { ATLASSIAN_TEST_API_KEY: API_KEY, AUDIT_COLLECT_METRICS_ADDRESS: 'off' };

let sim: Simulator;
let client: Client;
let rulesFile: string;
const workers = [1, 2, 3].map(() => new ChildWorker(WORKER_ENV));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Triggers a run; resolves once it has started, with its result to come. */
async function triggeredRun(ruleId: string): Promise<{ result: Promise<CollectResult> }> {
  const schedule = client.schedule.getHandle(`audit-collect-${ruleId}`);
  await schedule.trigger(ScheduleOverlapPolicy.SKIP);
  for (let n = 0; n < 120; n++) {
    const action = (await schedule.describe()).info.recentActions.at(-1);
    if (action)
      return { result: client.workflow.getHandle(action.action.workflow.workflowId, action.action.workflow.firstExecutionRunId).result() };
    await sleep(250);
  }
  throw new Error(`the triggered run of ${ruleId} did not start; is a worker running?`);
}

async function verify(ruleId: string, args: string[] = []) {
  // The measurement is over and the simulator's limit is off: verify's own requests go unpaced.
  const { code, stdout, stderr } = await runCli(['verify', ruleId, ...args, '--json'], { AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '0' });
  expect(stderr).toBe('');
  const report = JSON.parse(stdout);
  expect(report.source.checked).toBe(true);
  expect(report).toMatchObject({ duplicateIds: 0, malformedLines: 0, ok: true });
  expect(report.source.missing).toBe(0);
  expect(report.events).toBe(report.source.events);
  expect(report.events).toBeGreaterThan(0);
  expect(code).toBe(0);
  return report as { events: number; objects: number };
}

/** events-stream requests and 429s per minute window; the budget used over the whole windows inside [fromMs, toMs]. */
function budgetFigures(stats: SimulatorStats, window: { fromMs: number; toMs: number }) {
  const minutes = Object.entries(stats.minutes)
    .map(([minute, paths]) => ({
      minute,
      startMs: Date.parse(minute.replace('Z', ':00Z')),
      ...(paths['events-stream'] ?? { requests: 0, rateLimited: 0 }),
    }))
    .sort((a, b) => a.startMs - b.startMs);
  const whole = minutes.filter((m) => m.startMs >= window.fromMs && m.startMs + 60_000 <= window.toMs);
  const served = whole.reduce((sum, m) => sum + m.requests - m.rateLimited, 0);
  return {
    requests: stats.requests['events-stream'] ?? 0,
    rateLimited: stats.rateLimited['events-stream'] ?? 0,
    minutes,
    wholeMinutes: whole.length,
    budgetUsed: whole.length === 0 ? 0 : served / (LIMIT * whole.length),
  };
}

beforeAll(async () => {
  ({ sim, client } = await startOrgServers(
    { orgId: ORG, apiKey: API_KEY, events: EVENTS, bucket: BUCKET },
    { seed: 23, rateLimitPerMinute: LIMIT, seedSpanMs: 8 * DAY_MS, lateFraction: 0.02 },
  ));
  rulesFile = writeRulesFile({
    connections: [{ name: 'acme', orgId: ORG, apiKey: 'env:ATLASSIAN_TEST_API_KEY', baseUrl: sim.url }],
    rules: RULES.map((id) => ({
      id,
      connection: 'acme',
      bucket: BUCKET,
      prefix: `${id}/`,
      interval: '1h',
      startFrom: id === BACKFILL_RULE ? '1h' : '1d',
    })),
  });
  await Promise.all(workers.map((w) => w.start()));
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await sim?.close();
  await client?.connection.close();
});

test('three workers share one org budget: six rules and a backfill, few 429s, the budget used, nothing lost', async () => {
  const applied = await runCli(['apply', rulesFile]);
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);

  const startMs = Date.now();
  const finished: number[] = [];
  const done = <T>(promise: Promise<T>) => promise.then((value) => (finished.push(Date.now()), value));
  const runs = (await Promise.all(RULES.map(triggeredRun))).map((run) => done(run.result));
  // One run per rule, in RULES' order: the first is BACKFILL_RULE's.
  const first = await runs[0]!;
  const range = { from: new Date(first.startPointMs - 7 * DAY_MS).toISOString(), to: new Date(first.startPointMs).toISOString() };
  const started = await runCli(['backfill', BACKFILL_RULE, '--from', range.from, '--to', range.to, '--concurrency', '3', '--json']);
  expect(started.stderr).toBe('');
  expect(started.code).toBe(0);
  const { backfillId } = JSON.parse(started.stdout) as { backfillId: string };
  const backfill = (await done(client.workflow.getHandle(backfillId).result())) as BackfillProgress;
  const results = await Promise.all(runs);
  const endMs = Math.max(...finished);

  expect(backfill.fraction).toBe(1);
  expect(backfill.events).toBeGreaterThan(30_000);
  for (const result of results.slice(1)) expect(result.run.events).toBeGreaterThan(5_000);

  const stats = (await (await fetch(`${sim.url}/_sim/stats`)).json()) as SimulatorStats;
  const figures = budgetFigures(stats, { fromMs: startMs, toMs: endMs });
  const share429 = figures.rateLimited / figures.requests;
  console.log(
    [
      `budget: ${figures.requests} events-stream requests, ${figures.rateLimited} answered 429 (${(100 * share429).toFixed(1)} %), ` +
        `budget used ${(100 * figures.budgetUsed).toFixed(1)} % over the ${figures.wholeMinutes} whole minutes of work (${Math.round((endMs - startMs) / 1000)} s)`,
      ...figures.minutes.map((m) => `  ${m.minute}: ${m.requests - m.rateLimited} served, ${m.rateLimited} 429`),
    ].join('\n'),
  );
  expect(figures.wholeMinutes).toBeGreaterThanOrEqual(2);
  expect(share429).toBeLessThanOrEqual(0.02);
  expect(figures.budgetUsed).toBeGreaterThanOrEqual(0.85);

  await fetch(`${sim.url}/_sim/settings`, { method: 'POST', body: JSON.stringify({ rateLimitPerMinute: 0 }) });
  // budget-1 from the backfill's first whole day: its backfill and its live collection together.
  const firstDay = new Date(Math.floor(Date.parse(range.from) / DAY_MS) * DAY_MS).toISOString();
  const reports = await Promise.all(RULES.map((ruleId) => verify(ruleId, ruleId === BACKFILL_RULE ? ['--from', firstDay] : [])));
  console.log(reports.map((r, n) => `${RULES[n]}: ${r.events} events in ${r.objects} objects, 0 missing, 0 duplicates`).join('\n'));
});
