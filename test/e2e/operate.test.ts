// Issue 6's proof that an operator can see which rule is healthy and why: per-rule health in
// `status` and `list`, the worker's Prometheus endpoint and its JSON logs, on the real Temporal dev
// server, the real S3 server, the simulator over HTTP, and a worker run by `audit-collect worker`.
// Then issue 18's: `delete` and `apply` never leave a rule with two live writers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Client, ScheduleNotFoundError } from '@temporalio/client';
import { startSimulator, type Fault, type Simulator } from '../../dev/simulator/server';
import { openRunsQuery } from '../../src/client/schedules';
import { scheduleId } from '../../src/model/ids';
import { ROOT, TEST_SERVERS, createBucket, runCli, temporalClient, useTestEnv } from '../helpers/servers';
import { ChildWorker } from '../helpers/child-worker';
import { stopAll } from '../helpers/processes';
import { writeRulesFile, type RuleParams } from '../helpers/rules-file';

const ORG = '7a1e3c5b-2d4f-4a6b-8c9d-0e1f2a3b4c5d';
const API_KEY = 'ops-secret-api-key-93b1f07d';
const BUCKET = 'audit-ops';
const RULE = 'ops-audit';
const METRICS_URL = `http://127.0.0.1:${TEST_SERVERS.metricsPort}/metrics`;
const DAY_MS = 86_400_000;

let sim: Simulator;
let worker: ChildWorker;
let rulesFile: string;

// The CLI's JSON, read back as data: the assertions check its shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function status(): Promise<{ health: Record<string, any>; [key: string]: any }> {
  const { code, stdout, stderr } = await runCli(['status', RULE, '--json']);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout);
}

async function scrape(): Promise<string> {
  const res = await fetch(METRICS_URL);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of the first sample of `name` whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const [, metric, sampleLabels, value] = /^([a-zA-Z_:][\w:]*)\{([^}]*)\} (\S+)$/.exec(line) ?? [];
    if (metric !== name || sampleLabels === undefined || value === undefined) continue;
    if (Object.entries(labels).every(([k, v]) => sampleLabels.includes(`${k}="${v}"`))) return Number(value);
  }
  return undefined;
}

beforeAll(async () => {
  useTestEnv({ ATLASSIAN_OPS_API_KEY: API_KEY });
  sim = await startSimulator({ seed: 11, orgs: [{ orgId: ORG, apiKeys: [API_KEY], events: 1200 }], rateLimitPerMinute: 0 });
  await createBucket(BUCKET);
  // The key expires in 5 days and a half: inside the 14-day warning.
  rulesFile = writeRulesFile({
    connections: [
      {
        name: 'ops',
        orgId: ORG,
        apiKey: 'env:ATLASSIAN_OPS_API_KEY',
        baseUrl: sim.url,
        expiresAt: new Date(Date.now() + 5.5 * DAY_MS).toISOString(),
      },
    ],
    rules: [
      {
        id: RULE,
        displayName: 'ops-org-atlassian-audit',
        connection: 'ops',
        bucket: BUCKET,
        prefix: 'atlassian/audit/',
        interval: '1h',
        warnNoDataAfter: '2d',
      },
    ],
  });
  worker = new ChildWorker({
    ATLASSIAN_OPS_API_KEY: API_KEY,
    AUDIT_COLLECT_METRICS_ADDRESS: `127.0.0.1:${TEST_SERVERS.metricsPort}`,
    AUDIT_COLLECT_PAGES_PER_OBJECT: '1',
    AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '0',
  });
  await worker.start();
  expect((await runCli(['apply', rulesFile])).code).toBe(0);
});

afterAll(() =>
  stopAll(
    () => worker?.kill('SIGTERM'),
    () => sim?.close(),
  ),
);

test('status shows a healthy run: last success, lag, events in the last 24 hours, and the API key expiry warning', async () => {
  const run = await runCli(['trigger', RULE, '--wait', '--json']);
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout).run.result.run.events).toBe(1200);

  const s = await status();
  expect(s.health.lastSuccessAt).toBe(s.lastSuccess.closedAt);
  expect(s.health.eventsLast24h).toBe(1200);
  const lastServed = Date.parse(s.lastProcessedAt);
  expect(s.health.lagSeconds).toBeGreaterThanOrEqual(Math.floor((Date.now() - lastServed) / 1000) - 120);
  expect(s.health.lastError).toBeNull();
  expect(s.health.apiKeyExpiresInDays).toBe(5);
  expect(s.health.warnNoDataAfter).toBe('2d');
  expect(s.health.state).toBe('warning');
  expect(s.health.warnings).toEqual([expect.stringMatching(/^the API key expires in 5 days/)]);

  const text = await runCli(['status', RULE]);
  expect(text.stdout).toMatch(/^health\s+WARNING$/m);
  expect(text.stdout).toMatch(/1200 events in the last 24h/);
  expect(text.stdout).toMatch(/^warning\s+the API key expires in 5 days/m);
});

test('list shows one plain line per rule with its health, lag and last success', async () => {
  const { code, stdout } = await runCli(['list']);
  expect(code).toBe(0);
  // Piped output: no colour codes.
  expect(stdout).not.toContain('\x1b[');
  const [header, ...rows] = stdout.trim().split('\n');
  expect(header).toMatch(/^RULE\s+HEALTH\s+LAG\s+24H EVENTS\s+LAST OK\s+NOTE$/);
  const row = rows.find((r) => r.startsWith(`${RULE} `));
  expect(row).toMatch(new RegExp(`^${RULE}\\s+WARNING\\s+\\S+\\s+1200\\s+\\d{4}-\\d{2}-\\d{2}T\\S+\\s+the API key expires in 5 days`));
});

test("the worker's metrics endpoint serves the SDK's metrics and the collector's own, per rule", async () => {
  const text = await scrape();
  // The SDK's worker metrics.
  expect(text).toMatch(/^temporal_\w+/m);
  expect(text).toMatch(/temporal_activity_execution_latency\w*\{[^}]*activity_type="collectBatch"/);
  // Ours.
  expect(sample(text, 'audit_collect_events_collected_total', { rule_id: RULE })).toBe(1200);
  expect(sample(text, 'audit_collect_bytes_uploaded_total', { rule_id: RULE })).toBeGreaterThan(0);
  // 1,200 events at 500 a page: 3 pages, each its own object.
  expect(sample(text, 'audit_collect_api_requests_total', { org_id: ORG, status: '200' })).toBe(3);
  expect(sample(text, 'audit_collect_lag_seconds', { rule_id: RULE })).toBeGreaterThanOrEqual(0);
  const status = await runCli(['status', RULE, '--json']);
  const lastSuccessAt = Date.parse(JSON.parse(status.stdout).health.lastSuccessAt);
  const lastSuccessMetric = sample(text, 'audit_collect_last_success_timestamp_seconds', { rule_id: RULE })!;
  // The run records its completion just before it closes.
  expect(Math.abs(lastSuccessMetric * 1000 - lastSuccessAt)).toBeLessThan(60_000);
  // Which build the worker runs: what `npm run build` recorded in dist/.
  const build = JSON.parse(readFileSync(join(ROOT, 'dist', 'build-info.json'), 'utf8')) as { version: string; commit: string };
  expect(sample(text, 'audit_collect_build_info', build)).toBe(1);
});

test('a failing rule shows the error class, the message and the pause reason; fixed and resumed, it is healthy again', async () => {
  await fetch(`${sim.url}/_sim/keys/${API_KEY}/revoke`, { method: 'POST' });
  const failed = await runCli(['trigger', RULE, '--wait']);
  expect(failed.code).toBe(1);
  expect(failed.stdout).toMatch(/FAILED/);

  const s = await status();
  expect(s.health.state).toBe('failing');
  expect(s.health.lastError.type).toBe('AtlassianUnauthorized');
  expect(s.health.lastError.message).toMatch(/answered 401 Unauthorized.*then resume the rule/);
  expect(s.health.pauseReason).toContain('401 Unauthorized');
  expect(JSON.stringify(s)).not.toContain(API_KEY);
  const text = await runCli(['status', RULE]);
  expect(text.stdout).toMatch(/^last error\s+AtlassianUnauthorized: rule ops-audit: Atlassian org/m);
  expect(text.stdout).toMatch(/^next step\s+fix the cause above, then: audit-collect resume ops-audit$/m);
  const list = await runCli(['list']);
  expect(list.stdout).toMatch(new RegExp(`^${RULE}\\s+FAILING\\s.*401 Unauthorized`, 'm'));
  expect(sample(await scrape(), 'audit_collect_api_requests_total', { org_id: ORG, status: '401' })).toBeGreaterThanOrEqual(1);

  await fetch(`${sim.url}/_sim/keys/${API_KEY}/restore`, { method: 'POST' });
  expect((await runCli(['resume', RULE])).code).toBe(0);
  expect((await runCli(['trigger', RULE, '--wait'])).code).toBe(0);
  const healed = await status();
  expect(healed.health.lastError).toBeNull();
  expect(healed.health.pauseReason).toBeNull();
  expect(healed.health.state).toBe('warning'); // only the key expiry is left
  expect(healed.health.eventsLast24h).toBe(1200);
});

test('worker logs are JSON lines carrying rule, workflow and run IDs, and no secret', async () => {
  // The worker's stdout is JSON lines; its stderr (mixed into the same log here) has the start banner.
  const lines = worker.log.split('\n').filter((line) => line.startsWith('{'));
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const entry of entries) {
    expect(typeof entry.time).toBe('string');
    expect(typeof entry.level).toBe('string');
    expect(typeof entry.message).toBe('string');
  }
  const objects = entries.filter((e) => e.message === 'object written' && e.ruleId === RULE);
  expect(objects.length).toBeGreaterThanOrEqual(3);
  const batches = entries.filter((e) => e.message === 'batch done' && e.ruleId === RULE);
  expect(batches.length).toBeGreaterThanOrEqual(1);
  for (const entry of [...objects, ...batches]) {
    expect(entry.workflowId).toMatch(new RegExp(`^collect-${RULE}-`));
    expect(entry.runId).toMatch(/^[0-9a-f-]{36}$/);
  }
  // The failed batch is logged by the SDK with the rule it belongs to.
  const failure = entries.find(
    (e) => e.ruleId === RULE && /fail/i.test(String(e.message)) && JSON.stringify(e).includes('AtlassianUnauthorized'),
  );
  expect(failure).toMatchObject({
    message: 'Activity failed',
    level: 'WARN',
    ruleId: RULE,
    activityType: 'collectBatch',
    workflowId: expect.stringMatching(new RegExp(`^collect-${RULE}-`)),
  });
  const all = worker.log;
  expect(all).not.toContain(API_KEY);
  expect(all).not.toContain(TEST_SERVERS.s3SecretKey);
});

describe('one live writer per rule: delete and apply end the open collect run first (issue 18)', () => {
  let slowSim: Simulator;
  let client: Client;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    // A simulator of its own, whose faults slow only these rules' runs.
    slowSim = await startSimulator({ seed: 18, orgs: [{ orgId: ORG, apiKeys: [API_KEY], events: 1200 }], rateLimitPerMinute: 0 });
    client = await temporalClient();
  });
  afterEach(() => fetch(`${slowSim.url}/_sim/faults`, { method: 'DELETE' }));
  afterAll(() =>
    stopAll(
      () => slowSim?.close(),
      () => client?.connection.close(),
    ),
  );

  function liveRulesFile(...ruleIds: string[]): string {
    return writeRulesFile({
      connections: [{ name: 'slow', orgId: ORG, apiKey: 'env:ATLASSIAN_OPS_API_KEY', baseUrl: slowSim.url }],
      rules: ruleIds.map((id) => ({ id, connection: 'slow', bucket: BUCKET, prefix: `${id}/`, interval: '1h' })),
    });
  }

  /** The rule's running collect runs, as visibility lists them. */
  async function runningCollectRuns(ruleId: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const run of client.workflow.list({ query: openRunsQuery(ruleId) })) ids.push(run.workflowId);
    return ids;
  }

  const runStatus = async (workflowId: string) => (await client.workflow.getHandle(workflowId).describe()).status.name;
  const describeSchedule = (ruleId: string) => client.schedule.getHandle(scheduleId(ruleId)).describe();

  /** Applies the rule, slows its first run's pages as `slow` says, triggers it and returns its workflow ID once it is open. */
  async function startOpenRun(ruleId: string, slow: { delayMs: number; count: number }): Promise<string> {
    expect((await runCli(['apply', liveRulesFile(ruleId)])).code).toBe(0);
    const faults: Fault[] = [{ kind: 'slow', ...slow }];
    await fetch(`${slowSim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ faults }) });
    expect((await runCli(['trigger', ruleId])).stdout).toBe('triggered\n');
    for (let i = 0; i < 100; i++) {
      const [open] = await runningCollectRuns(ruleId);
      if (open) return open;
      await sleep(100);
    }
    throw new Error(`no run of ${ruleId} opened`);
  }

  test('delete waits for the open run to finish, then deletes the schedule; no collect run of the rule is left', async () => {
    const rule = 'ops-live-wait';
    // 1,200 events: three pages, each answered after 3 s.
    const open = await startOpenRun(rule, { delayMs: 3_000, count: 3 });
    const { code, stdout, stderr } = await runCli(['delete', rule]);
    const returnedAt = Date.now();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(
      `deleted the schedule of ${rule} (after ${open} finished); its checkpoint stays in S3, so applying it again resumes\n`,
    );
    const run = await client.workflow.getHandle(open).describe();
    expect(run.status.name).toBe('COMPLETED');
    expect(run.closeTime!.getTime()).toBeLessThanOrEqual(returnedAt);
    await expect(describeSchedule(rule)).rejects.toThrow(ScheduleNotFoundError);
    expect(await runningCollectRuns(rule)).toEqual([]);
  });

  test('delete --terminate terminates the open run and deletes the schedule', async () => {
    const rule = 'ops-live-terminate';
    const open = await startOpenRun(rule, { delayMs: 20_000, count: 10 });
    const { code, stdout, stderr } = await runCli(['delete', rule, '--terminate']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(`deleted the schedule of ${rule} (terminated ${open}); its checkpoint stays in S3, so applying it again resumes\n`);
    expect(await runStatus(open)).toBe('TERMINATED');
    const history = await client.workflow.getHandle(open).fetchHistory();
    expect(history.events?.at(-1)?.workflowExecutionTerminatedEventAttributes?.reason).toBe(
      'deleted with audit-collect delete --terminate',
    );
    await expect(describeSchedule(rule)).rejects.toThrow(ScheduleNotFoundError);
    expect(await runningCollectRuns(rule)).toEqual([]);
  });

  test('delete --wait 1s with a run that stays open exits 1 naming the run, and leaves the schedule paused', async () => {
    const rule = 'ops-live-timeout';
    const open = await startOpenRun(rule, { delayMs: 20_000, count: 10 });
    const { runId } = await client.workflow.getHandle(open).describe();
    const { code, stdout, stderr } = await runCli(['delete', rule, '--wait', '1s']);
    expect(stdout).toBe('');
    expect(code).toBe(1);
    expect(stderr).toBe(
      `audit-collect: rule '${rule}': ${open} (run id ${runId}) is still open after --wait 1s; the schedule is paused (no new run starts), not deleted. ` +
        `Once the run has finished, run 'audit-collect delete ${rule}' again (a longer --wait waits for it), ` +
        `or end it now with 'audit-collect delete ${rule} --terminate' (the checkpoint in S3 keeps the rule's place); ` +
        `'audit-collect resume ${rule}' keeps the rule instead.\n`,
    );
    const schedule = await describeSchedule(rule);
    expect(schedule.state).toMatchObject({
      paused: true,
      note: 'being deleted (audit-collect delete): waiting for its open run to finish',
    });
    expect(await runStatus(open)).toBe('RUNNING');
    // Cleaning up the way the message says.
    expect((await runCli(['delete', rule, '--terminate'])).code).toBe(0);
  });

  test('apply never starts a second live writer beside a run left by a deleted schedule', async () => {
    const rule = 'ops-live-reapply';
    const other = 'ops-live-neighbour';
    const file = liveRulesFile(rule, other);
    // Three pages, each answered after 4 s: open for about 12 s.
    const old = await startOpenRun(rule, { delayMs: 4_000, count: 3 });
    const { runId } = await client.workflow.getHandle(old).describe();
    // The way an older version (or the Temporal CLI) deleted it: the run stays.
    await client.schedule.getHandle(scheduleId(rule)).delete();

    let most = 0;
    const seen = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const running = await runningCollectRuns(rule);
        running.forEach((id) => seen.add(id));
        most = Math.max(most, running.length);
        await sleep(100);
      }
    })();
    try {
      const refused = await runCli(['apply', file, '--wait', '1s']);
      expect(refused.code).toBe(1);
      expect(refused.stdout.split('\n')).toEqual([
        `refused   ${rule}: not created: ${old} (run id ${runId}) is still open after --wait 1s, left by a deleted schedule of this rule; ` +
          "a new schedule's runs would write beside it. Apply again once it has finished, or with --terminate to end it.",
        `created   ${other}`,
        '',
      ]);
      expect(refused.stderr).toBe('audit-collect apply: 1 rule refused (see above); the others were applied.\n');
      await expect(describeSchedule(rule)).rejects.toThrow(ScheduleNotFoundError);

      const applied = await runCli(['apply', file]);
      expect(applied.stderr).toBe('');
      expect(applied.code).toBe(0);
      expect(applied.stdout).toBe(`created   ${rule} (after ${old} finished)\nunchanged ${other}\n`);
      expect(await runStatus(old)).toBe('COMPLETED');
      // The new schedule's first run, at once: it starts only after the old one closed.
      const next = await runCli(['trigger', rule, '--wait', '--json']);
      expect(next.code).toBe(0);
      expect(JSON.parse(next.stdout).run.status).toBe('COMPLETED');
    } finally {
      watching = false;
      await watcher;
    }
    // The watcher saw the old run (the new one may open and close between two looks; the times below cover it).
    expect(seen.has(old)).toBe(true);
    expect(most).toBe(1);
    // And by the runs' own start and close times: no two collect runs of the rule ever overlapped.
    const runs = [];
    for await (const run of client.workflow.list({ query: `RuleId = '${rule}' AND WorkflowType = 'collectWorkflow'` })) runs.push(run);
    runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    expect(runs.map((r) => r.status.name)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(runs[0]!.closeTime!.getTime()).toBeLessThanOrEqual(runs[1]!.startTime.getTime());
    expect((await runCli(['delete', rule])).code).toBe(0);
    expect((await runCli(['delete', other])).code).toBe(0);
  });
});

describe('apply cannot hurt what other rules files made (issue 20)', () => {
  let client: Client;
  beforeAll(async () => {
    client = await temporalClient();
  });
  afterAll(() => client?.connection.close());

  const connections = () => [{ name: 'ops', orgId: ORG, apiKey: 'env:ATLASSIAN_OPS_API_KEY', baseUrl: sim.url }];
  const paused = (id: string, extra: Partial<RuleParams> = {}): RuleParams => ({
    id,
    connection: 'ops',
    bucket: BUCKET,
    prefix: `${id}/`,
    interval: '1h',
    paused: true,
    ...extra,
  });
  const exists = (ruleId: string) =>
    client.schedule
      .getHandle(scheduleId(ruleId))
      .describe()
      .then(
        () => true,
        (error: unknown) => (error instanceof ScheduleNotFoundError ? false : Promise.reject(error)),
      );

  test('--prune deletes only schedules of its own rule set, and names them before deleting', async () => {
    const setA = (...ids: string[]) =>
      writeRulesFile({ ruleSet: 'ops-set-a', connections: connections(), rules: ids.map((id) => paused(id)) });
    const setB = writeRulesFile({ ruleSet: 'ops-set-b', connections: connections(), rules: [paused('ops-b1')] });
    expect((await runCli(['apply', setA('ops-a1', 'ops-a2')])).code).toBe(0);
    expect((await runCli(['apply', setB])).code).toBe(0);

    const smaller = setA('ops-a1');
    const dry = await runCli(['apply', smaller, '--prune', '--dry-run']);
    expect(dry.stdout).toBe('unchanged     ops-a1\nwould delete  ops-a2 (rule set ops-set-a, not in the file)\n');
    expect(await exists('ops-a2')).toBe(true);

    const pruned = await runCli(['apply', smaller, '--prune']);
    expect(pruned.code).toBe(0);
    expect(pruned.stderr).toBe(
      `audit-collect apply: --prune deletes the schedules of 1 rule of rule set 'ops-set-a' that ${smaller} no longer has: ops-a2\n`,
    );
    expect(pruned.stdout).toBe('unchanged ops-a1\ndeleted   ops-a2\n');
    expect(await exists('ops-a2')).toBe(false);
    // Another rule set's schedule, and the rule set 'default' of this file's first rule, are untouched.
    expect(await exists('ops-b1')).toBe(true);
    expect(await exists(RULE)).toBe(true);
    expect((await status()).ruleSet).toBe('default');
  });

  test('a rule whose schedule another rule set owns is refused, and nothing is changed', async () => {
    const before = (await client.schedule.getHandle(scheduleId('ops-b1')).describe()).info.lastUpdatedAt;
    const file = writeRulesFile({ ruleSet: 'ops-set-b', connections: connections(), rules: [paused('ops-b1'), paused('ops-a1')] });
    const { code, stdout, stderr } = await runCli(['apply', file, '--prune']);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toContain("rule 'ops-a1': its schedule belongs to rule set 'ops-set-a', not 'ops-set-b'");
    expect(stderr).toContain('No schedule was changed.');
    expect((await client.schedule.getHandle(scheduleId('ops-b1')).describe()).info.lastUpdatedAt).toEqual(before);
    expect((await runCli(['delete', 'ops-a1'])).code).toBe(0);
    expect((await runCli(['delete', 'ops-b1'])).code).toBe(0);
  });

  test('the task queue comes from the rules file or --task-queue, and status shows it', async () => {
    const queueOf = async (ruleId: string) => {
      const d = await client.schedule.getHandle(scheduleId(ruleId)).describe();
      return d.action.type === 'startWorkflow' ? d.action.taskQueue : undefined;
    };
    const named = writeRulesFile({
      taskQueue: 'ops-queue-file',
      connections: connections(),
      rules: [paused('ops-q1'), paused('ops-q2', { taskQueue: 'ops-queue-rule' })],
    });
    expect((await runCli(['apply', named])).code).toBe(0);
    expect([await queueOf('ops-q1'), await queueOf('ops-q2')]).toEqual(['ops-queue-file', 'ops-queue-rule']);
    const text = await runCli(['status', 'ops-q1']);
    expect(text.stdout).toMatch(/^task queue {2}ops-queue-file \(rule set default\)$/m);
    expect(JSON.parse((await runCli(['status', 'ops-q2', '--json'])).stdout).taskQueue).toBe('ops-queue-rule');

    const conflict = await runCli(['apply', named, '--task-queue', 'ops-queue-flag']);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain("rule 'ops-q1': the rules file names task queue 'ops-queue-file' and --task-queue 'ops-queue-flag'");

    const unnamed = writeRulesFile({ connections: connections(), rules: [paused('ops-q1'), paused('ops-q2')] });
    const flagged = await runCli(['apply', unnamed, '--task-queue', 'ops-queue-flag']);
    expect(flagged.stdout).toBe(
      'updated   ops-q1: taskQueue: ops-queue-file -> ops-queue-flag\nupdated   ops-q2: taskQueue: ops-queue-rule -> ops-queue-flag\n',
    );
    expect(await queueOf('ops-q1')).toBe('ops-queue-flag');
    // Neither the file nor the flag: AUDIT_COLLECT_TASK_QUEUE where apply runs, else audit-collect.
    const fromEnv = await runCli(['apply', unnamed, '--dry-run'], { AUDIT_COLLECT_TASK_QUEUE: 'ops-queue-env' });
    expect(fromEnv.stdout).toContain('would update  ops-q1: taskQueue: ops-queue-flag -> ops-queue-env');
    expect((await runCli(['apply', unnamed])).stdout).toContain('updated   ops-q1: taskQueue: ops-queue-flag -> audit-collect');
    expect((await runCli(['delete', 'ops-q1'])).code).toBe(0);
    expect((await runCli(['delete', 'ops-q2'])).code).toBe(0);
  });
});
