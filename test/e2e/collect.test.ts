// Issue 2's proof, on the real Temporal dev server, the real S3 server and the simulator over HTTP:
// exactly-once collection, late arrivals, idle runs, resume from checkpoint, idempotent apply,
// rules-file errors, and no API key in any workflow history.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Simulator } from '../../dev/simulator/server';
import { scheduleId } from '../../src/model/ids';
import { phaseOffsetMs } from '../../src/client/schedules/phase';
import { stopAll } from '../helpers/processes';
import { completedRun, servedEvents } from '../helpers/runs';
import { writeRulesFile } from '../helpers/rules-file';
import {
  DEFAULT_PREFIX,
  TEST_SERVERS,
  getObject,
  listKeys,
  objectText,
  orgServerStops,
  readEvents,
  runCli,
  startOrgServers,
  startWorker,
  zstdDecode,
} from '../helpers/servers';

const ORG = '4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4';
const API_KEY = 'sim-secret-api-key-7f3a9c2e1b';
const BUCKET = 'audit-e2e';
const RULE = 'acme-audit';
const KEY_PATTERN = new RegExp(`^${DEFAULT_PREFIX}\\d{4}/\\d{2}/\\d{2}/\\d{2}/${RULE}-\\d+-[0-9a-f]{16}\\.json\\.zst$`);

let sim: Simulator;
let client: Client;
let worker: { stop(): Promise<void> };
let dir: string;
let rulesFile: string;

async function append(count: number, lateFraction: number): Promise<string[]> {
  const res = await fetch(`${sim.url}/_sim/orgs/${ORG}/events`, {
    method: 'POST',
    body: JSON.stringify({ count, lateFraction, lateMs: 6 * 3_600_000 }),
  });
  return ((await res.json()) as { ids: string[] }).ids;
}

const runOnce = () => completedRun(client, RULE);

/** Every object in the prefix decoded: each event once, deep-equal to what the simulator serves. */
async function expectExactlyOnce(): Promise<Map<string, string>> {
  const stored = await readEvents(BUCKET, DEFAULT_PREFIX);
  const keys = await listKeys(BUCKET, DEFAULT_PREFIX);
  for (const key of keys) expect(key).toMatch(KEY_PATTERN);
  const served = await servedEvents(sim.url, ORG);
  const byId = new Map<string, string>();
  for (const { key, event } of stored) {
    expect(byId.has(event.id)).toBe(false);
    byId.set(event.id, key);
  }
  expect(stored).toHaveLength(served.length);
  const storedById = new Map(stored.map(({ event }) => [event.id, event]));
  for (const event of served) expect(storedById.get(event.id)).toEqual(event);
  return byId;
}

beforeAll(async () => {
  ({ sim, client } = await startOrgServers(
    { orgId: ORG, apiKey: API_KEY, events: 5000, bucket: BUCKET },
    { seed: 7, rateLimitPerMinute: 0, lateFraction: 0.05 },
  ));
  dir = mkdtempSync(join(tmpdir(), 'audit-collect-e2e-'));
  rulesFile = writeRulesFile(
    {
      connections: [{ name: 'acme', orgId: ORG, apiKey: 'env:ATLASSIAN_TEST_API_KEY', baseUrl: sim.url }],
      rules: [
        {
          id: RULE,
          displayName: 'my-org-atlassian-audit',
          connection: 'acme',
          bucket: BUCKET,
          prefix: DEFAULT_PREFIX,
          interval: '1h',
          startFrom: '7d',
        },
      ],
    },
    join(dir, 'rules.yaml'),
  );
  // Small batches (2 pages of 500) so that 5,000 events make several objects.
  worker = await startWorker({
    ATLASSIAN_TEST_API_KEY: API_KEY,
    AUDIT_COLLECT_PAGES_PER_OBJECT: '2',
    AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '0',
  });
});

afterAll(() => stopAll(() => worker?.stop(), ...orgServerStops(sim, client)));

test('apply creates one schedule per rule, and applying again changes nothing', async () => {
  const first = await runCli(['apply', rulesFile]);
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/created\s+acme-audit/);
  const before = await client.schedule.getHandle(scheduleId(RULE)).describe();
  // Every hour at the rule's own offset within the hour, not at the top of it with every other rule.
  const offset = phaseOffsetMs({ ruleId: RULE, intervalMs: 3_600_000 });
  expect(before.spec.intervals).toEqual([{ every: 3_600_000, offset }]);
  expect(before.info.nextActionTimes[0]!.getTime() % 3_600_000).toBe(offset);

  const second = await runCli(['apply', rulesFile, '--json']);
  expect(second.code).toBe(0);
  expect(JSON.parse(second.stdout)).toEqual([{ ruleId: RULE, action: 'unchanged' }]);
  const after = await client.schedule.getHandle(scheduleId(RULE)).describe();
  expect(after.info.lastUpdatedAt).toEqual(before.info.lastUpdatedAt);
  expect(after.policies.overlap).toBe(before.policies.overlap);
});

test('a rule over 5,000 events collects each event exactly once', async () => {
  const result = await runOnce();
  expect(result.run.caughtUp).toBe(true);
  expect(result.run.events).toBe(5000);
  expect(result.run.objects).toBe(5);
  expect(result.totals.events).toBe(5000);
  const byId = await expectExactlyOnce();
  expect(byId.size).toBe(5000);
  // Nothing else in the prefix; the checkpoint lives outside it.
  expect(await listKeys(BUCKET, DEFAULT_PREFIX)).toHaveLength(5);
  expect(await listKeys(BUCKET, '_audit-collect/state/')).toEqual([`_audit-collect/state/${RULE}.json`]);
});

test('300 new events, some processed long after they happened, are added exactly once', async () => {
  const ids = await append(300, 0.3);
  const result = await runOnce();
  expect(result.run.events).toBe(300);
  expect(result.totals.events).toBe(5300);
  const byId = await expectExactlyOnce();
  const newKeys = new Set(result.run.objectKeys);
  expect(ids.every((id) => newKeys.has(byId.get(id)!))).toBe(true);
  // The late events keep their original time: the line is the event as served.
  expect(result.run.objectKeys.length).toBeGreaterThan(0);
  const lateLines = (await objectText(BUCKET, result.run.objectKeys[0]!))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const late = lateLines.filter((e) => Date.parse(e.attributes.processedAt) - Date.parse(e.attributes.time) > 3_600_000);
  expect(late.length).toBeGreaterThan(0);
});

test('two runs with no new events write no object and keep the stream position (the cursor text may change)', async () => {
  const keysBefore = await listKeys(BUCKET, DEFAULT_PREFIX);
  const status = await runCli(['status', RULE, '--json']);
  const before = JSON.parse(status.stdout);
  for (let n = 0; n < 2; n++) {
    const result = await runOnce();
    expect(result.run.events).toBe(0);
    expect(result.run.objects).toBe(0);
    // The simulator's cursors carry a nonce: the position is the content, not the cursor's text.
    const { atMs, idsAtMs } = before.lastSuccess.result.position;
    expect(result.position).toMatchObject({ atMs, idsAtMs });
  }
  expect(await listKeys(BUCKET, DEFAULT_PREFIX)).toEqual(keysBefore);
});

test('status --json reports the cursor position, last run, events and objects written', async () => {
  const served = await servedEvents(sim.url, ORG);
  const lastServed = served.at(-1) as unknown as { attributes: { processedAt: string } };
  const { code, stdout } = await runCli(['status', RULE, '--json']);
  expect(code).toBe(0);
  const status = JSON.parse(stdout);
  expect(status.lastProcessedAt).toBe(lastServed.attributes.processedAt);
  expect(status.totals.events).toBe(5300);
  expect(status.totals.objects).toBe((await listKeys(BUCKET, DEFAULT_PREFIX)).length);
  expect(status.lastRun.status).toBe('COMPLETED');
  expect(status.memo ?? status.bucket).toBe(BUCKET);
});

test('a rule whose schedule is deleted and applied again resumes from its checkpoint', async () => {
  const before = JSON.parse((await runCli(['status', RULE, '--json'])).stdout);
  expect((await runCli(['delete', RULE])).code).toBe(0);
  const ids = await append(50, 0);
  expect((await runCli(['apply', rulesFile])).stdout).toMatch(/created\s+acme-audit/);
  // The new schedule has run nothing yet: status still shows the last success of the rule (issue 20).
  const after = JSON.parse((await runCli(['status', RULE, '--json'])).stdout);
  expect(after.health.lastSuccessAt).toBe(before.health.lastSuccessAt);
  expect(after.lastProcessedAt).toBe(before.lastProcessedAt);
  expect(after.health.lagSeconds).toBeGreaterThanOrEqual(before.health.lagSeconds);
  expect(after.health.eventsLast24h).toBe(5300);
  expect(after.totals).toEqual(before.totals);
  const row = (await runCli(['list'])).stdout.split('\n').find((line) => line.startsWith(`${RULE} `));
  expect(row).toContain(before.health.lastSuccessAt);
  const result = await runOnce();
  // From startFrom (7 days back) the run would have written all 5,350 events again.
  expect(result.run.events).toBe(50);
  expect(result.totals.events).toBe(5350);
  const byId = await expectExactlyOnce();
  expect(ids.every((id) => byId.has(id))).toBe(true);
});

test('a rules file with errors names each bad field, exits non-zero and touches no schedule', async () => {
  const before = await client.schedule.getHandle(scheduleId(RULE)).describe();
  const bad = writeRulesFile(
    {
      connections: [{ name: 'acme', orgId: 'not-a-uuid', apiKey: 'plain-secret-value' }],
      rules: [
        { id: 'acme-audit', connection: 'acme', bucket: 'Bad_Bucket', prefix: '/atlassian/../audit', interval: '30s' },
        { id: 'second-rule', connection: 'nowhere', bucket: 'audit-e2e', prefix: 'x/', startFrom: '400d' },
      ],
    },
    join(dir, 'bad.yaml'),
  );
  const { code, stderr } = await runCli(['apply', bad, '--prune']);
  expect(code).toBe(2);
  for (const field of [
    'connections[0].orgId',
    'connections[0].apiKey',
    'rules[0].destination.bucket',
    'rules[0].destination.prefix',
    'rules[0].interval',
    'rules[1].connection',
  ]) {
    expect(stderr).toContain(field);
  }
  expect(stderr).not.toContain('plain-secret-value');
  const after = await client.schedule.getHandle(scheduleId(RULE)).describe();
  expect(after.info.lastUpdatedAt).toEqual(before.info.lastUpdatedAt);
  const ids: string[] = [];
  for await (const s of client.schedule.list()) ids.push(s.scheduleId);
  expect(ids).not.toContain('audit-collect-second-rule');
});

describe('apply with a startFrom beyond the 180 days Atlassian keeps (issue 20)', () => {
  const longAgo = new Date(Date.now() - 200 * 86_400_000).toISOString().slice(0, 10);
  const rule = {
    id: RULE,
    displayName: 'my-org-atlassian-audit',
    connection: 'acme',
    bucket: BUCKET,
    prefix: DEFAULT_PREFIX,
    interval: '1h',
  };
  const connections = () => [{ name: 'acme', orgId: ORG, apiKey: 'env:ATLASSIAN_TEST_API_KEY', baseUrl: sim.url }];
  const lastUpdated = async () => (await client.schedule.getHandle(scheduleId(RULE)).describe()).info.lastUpdatedAt;

  test('a new rule is refused, naming the field, and nothing else in the file is applied', async () => {
    const before = await lastUpdated();
    const file = writeRulesFile(
      {
        connections: connections(),
        rules: [
          { ...rule, startFrom: longAgo },
          { id: 'too-old-rule', connection: 'acme', bucket: BUCKET, prefix: 'too-old/', startFrom: longAgo },
        ],
      },
      join(dir, 'too-old.yaml'),
    );
    const { code, stderr, stdout } = await runCli(['apply', file]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toContain(`rules[1].startFrom: must be within the 180 days Atlassian keeps (${longAgo};`);
    expect(stderr).not.toContain('rules[0]');
    expect(stderr).toContain('No schedule was changed.');
    expect(await lastUpdated()).toEqual(before);
    await expect(client.schedule.getHandle(scheduleId('too-old-rule')).describe()).rejects.toThrow(/not found/i);
  });

  test('--dry-run prints the change per rule and changes nothing', async () => {
    const before = await lastUpdated();
    const file = writeRulesFile({ connections: connections(), rules: [{ ...rule, startFrom: longAgo }] }, join(dir, 'old-start.yaml'));
    const text = await runCli(['apply', file, '--dry-run']);
    expect(text).toEqual({ code: 0, stderr: '', stdout: `would update  ${RULE}: startFrom: 7d -> ${longAgo}\n` });
    const json = await runCli(['apply', file, '--dry-run', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([
      { ruleId: RULE, action: 'update', taskQueue: 'audit-collect', ruleSet: 'default', changes: [`startFrom: 7d -> ${longAgo}`] },
    ]);
    const unchanged = await runCli(['apply', rulesFile, '--dry-run']);
    expect(unchanged.stdout).toBe(`unchanged     ${RULE}\n`);
    expect(await lastUpdated()).toEqual(before);
  });

  test('an existing rule is applied: its runs go on from their position, not from startFrom', async () => {
    const file = writeRulesFile({ connections: connections(), rules: [{ ...rule, startFrom: longAgo }] }, join(dir, 'old-start.yaml'));
    const { code, stdout, stderr } = await runCli(['apply', file]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe(`updated   ${RULE}: startFrom: 7d -> ${longAgo}\n`);
    expect((await runOnce()).run.events).toBe(0);
    expect((await runCli(['apply', rulesFile])).stdout).toBe(`updated   ${RULE}: startFrom: ${longAgo} -> 7d\n`);
  });
});

test('the API key and the S3 secret key appear in no workflow history, result or object', async () => {
  let histories = 0;
  for await (const execution of client.workflow.list({ query: `RuleId = '${RULE}'` })) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    const json = JSON.stringify(history);
    for (const secret of [API_KEY, TEST_SERVERS.s3SecretKey]) {
      expect(json).not.toContain(secret);
      expect(json).not.toContain(Buffer.from(secret).toString('base64'));
    }
    histories += 1;
  }
  expect(histories).toBeGreaterThanOrEqual(5);
  const schedule = JSON.stringify((await client.schedule.getHandle(scheduleId(RULE)).describe()).raw);
  expect(schedule).not.toContain(API_KEY);
  for (const key of await listKeys(BUCKET)) {
    const body = await getObject(BUCKET, key);
    const text = key.endsWith('.zst') ? zstdDecode(body) : body.toString('utf8');
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(TEST_SERVERS.s3SecretKey);
  }
});
