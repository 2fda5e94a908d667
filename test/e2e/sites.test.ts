// Issue 21's proof, for each site source (Jira, Confluence), on the real Temporal dev server and S3
// server with the site simulator over HTTP and `audit-collect worker` in a child process: a
// catch-up, incremental runs while records appear mid-paging, the worker SIGKILLed mid-window, a 429
// storm, a revoked token (the rule paused with the fix, then resumed) and a backfill of past days.
// Every scenario ends with the simulator's own dump compared to S3: 0 missing, 0 duplicates (and
// `verify` agrees).
import type { Client } from '@temporalio/client';
import { startSiteSimulator, type SiteSimulator } from '../../dev/simulator/site-server';
import type { SiteSettings } from '../../dev/simulator/site-quirks';
import { triggerRule } from '../../src/client/schedules';
import { scheduleId } from '../../src/model/ids';
import type { CollectResult } from '../../src/model/types';
import type { BackfillProgress } from '../../src/model/backfill';
import { contentHash, type SiteProduct } from '../../src/sites/records';
import { ChildWorker } from '../helpers/child-worker';
import { stopAll } from '../helpers/processes';
import { writeRulesFile } from '../helpers/rules-file';
import { completedRun } from '../helpers/runs';
import { DAY_MS, createBucket, listKeys, objectText, runCli, temporalClient, useTestEnv } from '../helpers/servers';

const SITE = 'acme';
const EMAIL = 'audit-bot@acme.example';
const TOKENS: Record<SiteProduct, string> = { jira: 'jira-token-5f2c9a1e', confluence: 'confluence-token-8d41be07' };
const BUCKET = 'audit-sites-e2e';
const SEEDED = 1200;
const SETTLE_MS = 2_000;
const ENV = {
  ATLASSIAN_JIRA_TOKEN: TOKENS.jira,
  ATLASSIAN_CONFLUENCE_TOKEN: TOKENS.confluence,
  AUDIT_COLLECT_PAGE_LIMIT: '50',
  AUDIT_COLLECT_PAGES_PER_OBJECT: '2',
  // 5 requests a second: slow enough to kill the worker mid-window.
  AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '300',
  AUDIT_COLLECT_SETTLE_SECONDS: String(SETTLE_MS / 1000),
  AUDIT_COLLECT_HTTP_TIMEOUT_MS: '5000',
  AUDIT_COLLECT_METRICS_ADDRESS: 'off',
};

let sim: SiteSimulator;
let client: Client;
let worker: ChildWorker;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rule = (product: SiteProduct, what: 'main' | 'kill' | 'backfill') => `${product}-${what}`;
const prefixOf = (product: SiteProduct, what: 'main' | 'kill' | 'backfill') => `${product}/${what}/`;

async function control(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url(SITE)}/_sim/${path}`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res.json();
}
const settings = (body: Partial<SiteSettings>) => control('settings', body);
const append = (product: SiteProduct, count: number) => control(`${product}/records`, { count });

interface DumpLine {
  key: string;
  createdMs: number;
  record: Record<string, unknown>;
}

async function dump(product: SiteProduct): Promise<DumpLine[]> {
  const text = await (await fetch(`${sim.url(SITE)}/_sim/${product}/dump`)).text();
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as DumpLine);
}

/** The simulator's key of a stored line: Jira's id, Confluence's content hash (identical records share it). */
function keyOf(product: SiteProduct, line: string): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  return product === 'jira' ? String(record.id) : contentHash(record);
}

function counts(keys: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const key of keys) out.set(key, (out.get(key) ?? 0) + 1);
  return out;
}

/** What `a` holds more often than `b`. */
function surplus(a: Map<string, number>, b: Map<string, number>): number {
  let n = 0;
  for (const [key, count] of a) n += Math.max(0, count - (b.get(key) ?? 0));
  return n;
}

/**
 * The records the simulator holds created in [fromMs, toMs], against every line under the prefix:
 * none missing, none stored twice, each line the record exactly as served.
 */
async function expectExactlyOnce(params: { product: SiteProduct; prefix: string; fromMs: number; toMs: number; label: string }) {
  const { product, prefix } = params;
  const served = (await dump(product)).filter((d) => d.createdMs >= params.fromMs && d.createdMs <= params.toMs);
  const keys = await listKeys(BUCKET, prefix);
  const lines: string[] = [];
  for (const key of keys) {
    const text = await objectText(BUCKET, key);
    expect(text.endsWith('\n')).toBe(true);
    lines.push(...text.slice(0, -1).split('\n'));
  }
  const [expected, stored] = [counts(served.map((d) => d.key)), counts(lines.map((l) => keyOf(product, l)))];
  const figures = { events: lines.length, objects: keys.length, missing: surplus(expected, stored), duplicates: surplus(stored, expected) };
  expect(figures).toEqual({ events: served.length, objects: keys.length, missing: 0, duplicates: 0 });
  const byKey = new Map(served.map((d) => [d.key, d.record]));
  for (const line of lines) expect(JSON.parse(line)).toEqual(byKey.get(keyOf(product, line)));
  console.log(
    `${params.label}: ${figures.events} records in ${figures.objects} objects, ${figures.missing} missing, ${figures.duplicates} duplicates`,
  );
  return figures;
}

async function expectVerified(ruleId: string, events: number): Promise<void> {
  const { code, stdout, stderr } = await runCli(['verify', ruleId, '--json'], ENV);
  expect(stderr).toBe('');
  const report = JSON.parse(stdout);
  expect(report).toMatchObject({ duplicateIds: 0, malformedLines: 0, ok: true, events });
  expect(report.source).toMatchObject({ checked: true, missing: 0, events });
  expect(code).toBe(0);
}

/** Waits for the run the schedule started after `actionsBefore`, restarting a killed worker meanwhile. */
async function waitForRun(ruleId: string, actionsBefore: number): Promise<{ status: string; result?: CollectResult; failure?: string }> {
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    if (!worker.running) await worker.start();
    const d = await client.schedule.getHandle(scheduleId(ruleId)).describe();
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

async function trigger(ruleId: string): Promise<number> {
  const before = (await client.schedule.getHandle(scheduleId(ruleId)).describe()).info.numActionsTaken;
  const outcome = await triggerRule({ client, ruleId, wait: false });
  expect(outcome.started).toBe(true);
  return before;
}

beforeAll(async () => {
  useTestEnv();
  sim = await startSiteSimulator({
    seed: 21,
    seedSpanMs: 3 * DAY_MS,
    sites: (['jira', 'confluence'] as const).map((product) => ({
      site: SITE,
      product,
      email: EMAIL,
      apiTokens: [TOKENS[product]],
      records: SEEDED,
    })),
  });
  client = await temporalClient();
  await createBucket(BUCKET);
  const rules = (['jira', 'confluence'] as const).flatMap((product) =>
    (['main', 'kill', 'backfill'] as const).map((what) => ({
      id: rule(product, what),
      connection: product,
      bucket: BUCKET,
      prefix: prefixOf(product, what),
      // A schedule fires at a fixed offset within its interval (a hash of the rule ID): with 24h, a
      // scheduled run falls inside this file's few minutes far more rarely than with 1h.
      interval: '24h',
      startFrom: what === 'backfill' ? '1d' : '7d',
      heartbeatTimeout: '5s',
    })),
  );
  const file = writeRulesFile({
    connections: (['jira', 'confluence'] as const).map((product) => ({
      name: product,
      source: `${product}-site` as const,
      baseUrl: sim.url(SITE),
      email: EMAIL,
      apiToken: `env:ATLASSIAN_${product.toUpperCase()}_TOKEN`,
    })),
    rules,
  });
  const applied = await runCli(['apply', file], ENV);
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  worker = new ChildWorker(ENV);
  await worker.start();
});

afterAll(() =>
  stopAll(
    () => worker?.kill('SIGTERM'),
    () => client?.connection.close(),
    () => sim?.close(),
  ),
);

describe.each(['jira', 'confluence'] as const)('%s site', (product) => {
  const main = rule(product, 'main');
  let result: CollectResult;
  const all = (label: string) =>
    expectExactlyOnce({ product, prefix: prefixOf(product, 'main'), fromMs: result.startPointMs, toMs: result.position.atMs, label });

  test('a catch-up over three days of records writes each once', async () => {
    // The newest seeded record is settled by now.
    await sleep(SETTLE_MS);
    result = await completedRun(client, main);
    expect(result.run).toMatchObject({ events: SEEDED, caughtUp: true });
    expect(result.position.atMs).toBeGreaterThan(Date.now() - 60_000);
    const { objects } = await all(`${product} catch-up`);
    expect(objects).toBeGreaterThanOrEqual(SEEDED / 100);
    await expectVerified(main, SEEDED);
  });

  test('incremental runs while records appear between the pages they read', async () => {
    await append(product, 300);
    await sleep(SETTLE_MS + 500);
    // Two records are created after every page served: after each window's end, so they shift nothing in it.
    await settings({ arrivalsBetweenPages: 2 });
    const pagesBefore = sim.sites.get(SITE)!.stats.requests[product] ?? 0;
    result = await completedRun(client, main);
    expect(result.run.events).toBe(300);
    const arrived = 2 * ((sim.sites.get(SITE)!.stats.requests[product] ?? 0) - pagesBefore);
    await settings({ arrivalsBetweenPages: 0 });
    await sleep(SETTLE_MS + 500);
    result = await completedRun(client, main);
    expect(result.run.events).toBe(arrived);
    await all(`${product} incremental (${arrived} created mid-paging)`);
    await expectVerified(main, SEEDED + 300 + arrived);
  });

  test('the worker SIGKILLed mid-window: the retried batch goes on from its checkpoint', async () => {
    const kill = rule(product, 'kill');
    const before = await trigger(kill);
    const deadline = Date.now() + 60_000;
    // The first object is written once the first day with records has been walked: two more days follow.
    while ((await listKeys(BUCKET, prefixOf(product, 'kill'))).length < 1) {
      if (Date.now() > deadline) throw new Error(`no objects; worker log:\n${worker.log.slice(-3000)}`);
      await sleep(50);
    }
    await worker.kill('SIGKILL');
    worker = new ChildWorker(ENV);
    const run = await waitForRun(kill, before);
    expect(run.failure ?? '').toBe('');
    expect(run.status).toBe('COMPLETED');
    expect(worker.log).toMatch(
      /batch resumes after the objects an earlier attempt wrote|batch starts from the checkpoint, which is ahead|object already written/,
    );
    const done = run.result!;
    const { events } = await expectExactlyOnce({
      product,
      prefix: prefixOf(product, 'kill'),
      fromMs: done.startPointMs,
      toMs: done.position.atMs,
      label: `${product} SIGKILL mid-window`,
    });
    expect(done.totals.events).toBe(events);
    await expectVerified(kill, events);
  });

  test('a storm of 429s with Retry-After is waited out', async () => {
    const limited = () => sim.sites.get(SITE)!.stats.byStatus['429'] ?? 0;
    const before = limited();
    await append(product, 200);
    await sleep(SETTLE_MS + 500);
    await control('faults', { faults: [{ kind: 'rate-limit', count: 6, retryAfter: 1 }] });
    result = await completedRun(client, main);
    expect(result.run.events).toBe(200);
    expect(limited() - before).toBe(6);
    await all(`${product} 429 storm`);
  });

  test('a revoked token pauses the rule with the fix; after resume nothing is lost', async () => {
    await control(`tokens/${TOKENS[product]}/revoke`, {});
    await append(product, 50);
    await sleep(SETTLE_MS + 500);
    const failed = await waitForRun(main, await trigger(main));
    expect(failed.status).toBe('FAILED');
    const name = product === 'jira' ? 'Jira' : 'Confluence';
    expect(failed.failure).toContain(
      `rule ${main}: ${name} site 127.0.0.1:${sim.sites.get(SITE)!.port} (connection '${product}') answered 401`,
    );
    const { state } = await client.schedule.getHandle(scheduleId(main)).describe();
    expect(state.paused).toBe(true);
    expect(state.note).toContain('the API token is wrong, revoked or expired');
    expect(state.note).toContain(`store it where env:ATLASSIAN_${product.toUpperCase()}_TOKEN points on the worker, then resume the rule`);
    expect(state.note).not.toContain(TOKENS[product]);
    await control(`tokens/${TOKENS[product]}/restore`, {});
    expect((await runCli(['resume', main], ENV)).code).toBe(0);
    result = await completedRun(client, main);
    expect(result.run.events).toBe(50);
    await all(`${product} revoked token, resumed`);
  });

  test('a backfill of past days reads each day as closed windows, beside live collection', async () => {
    const ruleId = rule(product, 'backfill');
    const live = await completedRun(client, ruleId);
    const t0 = live.startPointMs;
    const from = new Date(t0 - 2 * DAY_MS).toISOString();
    const started = await runCli(['backfill', ruleId, '--from', from, '--to', new Date(t0).toISOString(), '--json'], ENV);
    expect(started.stderr).toBe('');
    const { backfillId } = JSON.parse(started.stdout) as { backfillId: string };
    const progress = (await client.workflow.getHandle(backfillId).result()) as BackfillProgress;
    expect(progress.slices.done).toBe(progress.slices.total);
    const dayStart = Math.floor(Date.parse(from) / DAY_MS) * DAY_MS;
    const { events } = await expectExactlyOnce({
      product,
      prefix: prefixOf(product, 'backfill'),
      fromMs: dayStart,
      toMs: live.position.atMs,
      label: `${product} backfill of ${progress.slices.total} days and live from T0`,
    });
    expect(progress.events + live.run.events).toBe(events);
    const keys = await listKeys(BUCKET, prefixOf(product, 'backfill'));
    expect(keys.filter((k) => k.includes(`/${ruleId}-backfill-`)).length).toBeGreaterThan(0);
  });
});
