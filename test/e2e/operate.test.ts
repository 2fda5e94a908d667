// Issue 6's proof that an operator can see which rule is healthy and why: per-rule health in
// `status` and `list`, the worker's Prometheus endpoint and its JSON logs, on the real Temporal dev
// server, the real S3 server, the simulator over HTTP, and a worker run by `audit-collect worker`.
import { startSimulator, type Simulator } from '../../dev/simulator/server';
import { TEST_SERVERS, createBucket, runCli, useTestEnv } from '../helpers/servers';
import { ChildWorker } from '../helpers/child-worker';
import { stopAll } from '../helpers/processes';
import { writeRulesFile } from '../helpers/rules-file';

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
