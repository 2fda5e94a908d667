// Issue 14: the layouts readers expect. Two rules over one org write to the real S3 server, one in
// the hive layout (live runs and a backfill) and one in the default hourly layout; DuckDB, pinned
// and installed from PyPI by `npm run setup-tests`, then reads the objects straight from S3 with
// the query of docs/querying.md, and each layout holds every event the simulator served, once.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { requireDuckdb } from '../../dev/infra/binaries';
import type { Simulator } from '../../dev/simulator/server';
import { scheduleId } from '../../src/model/ids';
import { completedRun, servedEvents } from '../helpers/runs';
import { writeRulesFile } from '../helpers/rules-file';
import { DAY_MS, TEST_SERVERS, listKeys, readEvents, runCli, startOrgServers, startWorker } from '../helpers/servers';

const ORG = '2e9b7c41-5d3a-4f18-9a6e-0c7d3b2a1f95';
const API_KEY = 'sim-query-api-key-5e0c2a91';
const BUCKET = 'audit-query-e2e';
const EVENTS = 3000;
const HIVE = { id: 'query-hive', prefix: 'hive/atlassian/audit/' };
const HOURLY = { id: 'query-hourly', prefix: 'hourly/atlassian/audit/' };
const NAME = (ruleId: string) => `${ruleId}(-backfill)?-(\\d+)-[0-9a-f]{16}\\.json\\.zst`;
const HIVE_KEY = new RegExp(`^${HIVE.prefix}dt=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})/${NAME(HIVE.id)}$`);
const HOURLY_KEY = new RegExp(`^${HOURLY.prefix}(\\d{4})/(\\d{2})/(\\d{2})/(\\d{2})/${NAME(HOURLY.id)}$`);

interface PrefixResult {
  events: number;
  ids: number;
  timed: number;
  keys: string[];
  partitions?: Array<{ dt: string; hour: string; events: number }>;
}

let sim: Simulator;
let client: Client;
let worker: { stop(): Promise<void> };
let python: string;
let rulesFile: string;

/** The DuckDB query of docs/querying.md over each prefix, run by the venv's python against the test S3 server. */
function duckdbQuery(prefixes: Array<{ prefix: string; hive: boolean }>): {
  duckdb: string;
  loadedExtensions: string[];
  results: Record<string, PrefixResult>;
} {
  const request = {
    endpoint: `127.0.0.1:${TEST_SERVERS.s3Port}`,
    region: 'us-east-1',
    accessKeyId: TEST_SERVERS.s3AccessKey,
    secretAccessKey: TEST_SERVERS.s3SecretKey,
    bucket: BUCKET,
    prefixes,
  };
  const out = execFileSync(python, [join(__dirname, '..', 'helpers', 'duckdb_query.py')], {
    input: JSON.stringify(request),
    maxBuffer: 1 << 26,
  });
  return JSON.parse(out.toString('utf8'));
}

/** The partition of a key's first event (the processedAt in its name), `YYYY-MM-DD` and `HH`, in UTC. */
function partitionOfName(firstMs: string): { dt: string; hour: string } {
  const iso = new Date(Number(firstMs)).toISOString();
  return { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

beforeAll(async () => {
  python = requireDuckdb();
  // 3,000 events processed over the last 3 days, so that objects fall in several partitions.
  ({ sim, client } = await startOrgServers(
    { orgId: ORG, apiKey: API_KEY, events: EVENTS, bucket: BUCKET },
    { seed: 23, rateLimitPerMinute: 0, seedSpanMs: 3 * DAY_MS },
  ));
  // The hive rule starts a day back and is backfilled before that; the hourly rule reaches all of it.
  rulesFile = writeRulesFile({
    connections: [{ name: 'acme', orgId: ORG, apiKey: 'env:ATLASSIAN_TEST_API_KEY', baseUrl: sim.url }],
    rules: [
      { id: HIVE.id, connection: 'acme', bucket: BUCKET, prefix: HIVE.prefix, layout: 'hive', interval: '1h', startFrom: '1d' },
      { id: HOURLY.id, connection: 'acme', bucket: BUCKET, prefix: HOURLY.prefix, layout: 'hourly', interval: '1h', startFrom: '7d' },
    ],
  });
  // Two pages of 500 to an object, so that each layout has several objects.
  worker = await startWorker({
    ATLASSIAN_TEST_API_KEY: API_KEY,
    AUDIT_COLLECT_PAGES_PER_OBJECT: '2',
    AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '0',
    AUDIT_COLLECT_METRICS_ADDRESS: 'off',
  });
});

afterAll(async () => {
  // No schedule of this file may start a run later, against a simulator that is gone.
  for (const { id } of [HIVE, HOURLY])
    await client?.schedule
      .getHandle(scheduleId(id))
      .delete()
      .catch(() => undefined);
  await worker?.stop();
  await sim?.close();
  await client?.connection.close();
});

test('a rule writes in the layout its destination names: hive with live runs and a backfill, hourly by default', async () => {
  const applied = await runCli(['apply', rulesFile, '--json']);
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  expect(JSON.parse(applied.stdout)).toEqual([
    { ruleId: HIVE.id, action: 'created' },
    { ruleId: HOURLY.id, action: 'created' },
  ]);

  const hive = await completedRun(client, HIVE.id);
  const hourly = await completedRun(client, HOURLY.id);
  expect(hourly.run.events).toBe(EVENTS);
  expect(hive.run.events).toBeGreaterThan(0);
  expect(hive.run.events).toBeLessThan(EVENTS);

  // Everything before the hive rule's start point T0, in whole days.
  const t0 = hive.startPointMs;
  const backfill = await runCli([
    'backfill',
    HIVE.id,
    '--from',
    new Date(t0 - 3 * DAY_MS).toISOString(),
    '--to',
    new Date(t0).toISOString(),
    '--json',
  ]);
  expect(backfill.stderr).toBe('');
  expect(backfill.code).toBe(0);
  const { backfillId } = JSON.parse(backfill.stdout) as { backfillId: string };
  const done = (await client.workflow.getHandle(backfillId).result()) as { events: number; dropped: number };
  expect(done.events + hive.run.events).toBe(EVENTS);

  const hiveKeys = await listKeys(BUCKET, HIVE.prefix);
  expect(hiveKeys.some((k) => k.includes(`/${HIVE.id}-backfill-`))).toBe(true);
  expect(hiveKeys.some((k) => k.includes(`/${HIVE.id}-1`))).toBe(true);
  for (const key of hiveKeys) {
    const [, dt, hour, , firstMs] = HIVE_KEY.exec(key) ?? [];
    if (firstMs === undefined) throw new Error(`not named as the hive layout names objects: ${key}`);
    expect({ key, dt, hour }).toEqual({ key, ...partitionOfName(firstMs) });
  }
  for (const key of await listKeys(BUCKET, HOURLY.prefix)) {
    const [, year, month, day, hour, , firstMs] = HOURLY_KEY.exec(key) ?? [];
    if (firstMs === undefined) throw new Error(`not named as the hourly layout names objects: ${key}`);
    const { dt, hour: expected } = partitionOfName(firstMs);
    expect({ key, dt: `${year}-${month}-${day}`, hour }).toEqual({ key, dt, hour: expected });
  }
});

test('DuckDB reads each layout straight from S3 and counts every served event once', async () => {
  const served = await servedEvents(sim.url, ORG);
  expect(served).toHaveLength(EVENTS);
  const answer = duckdbQuery([
    { prefix: HIVE.prefix, hive: true },
    { prefix: HOURLY.prefix, hive: false },
  ]);
  expect(answer.duckdb).toBe('1.4.4');
  // httpfs, loaded by path from the pinned package; nothing else beyond the built-in extensions.
  expect(answer.loadedExtensions).toEqual(['httpfs']);

  expect(Object.keys(answer.results)).toEqual(expect.arrayContaining([HIVE.prefix, HOURLY.prefix]));
  for (const { prefix } of [HIVE, HOURLY]) {
    const result = answer.results[prefix]!;
    expect({ prefix, events: result.events, ids: result.ids, timed: result.timed }).toEqual({
      prefix,
      events: served.length,
      ids: served.length,
      timed: served.length,
    });
    expect(result.keys).toEqual(await listKeys(BUCKET, prefix));
  }

  // Hive partition discovery: DuckDB's dt and hour columns, from the keys alone, give the same
  // events per partition as decoding every object with the zstd command and reading its key.
  const expected = new Map<string, number>();
  for (const { key } of await readEvents(BUCKET, HIVE.prefix)) {
    const [, dt, hour] = HIVE_KEY.exec(key)!;
    expected.set(`${dt} ${hour}`, (expected.get(`${dt} ${hour}`) ?? 0) + 1);
  }
  const found = new Map(answer.results[HIVE.prefix]!.partitions!.map((p) => [`${p.dt} ${p.hour.padStart(2, '0')}`, p.events]));
  expect(found).toEqual(expected);
  expect(found.size).toBeGreaterThan(1);
});

test('verify audits both layouts: it lists by prefix', async () => {
  for (const { id, prefix } of [HIVE, HOURLY]) {
    const { code, stdout, stderr } = await runCli(['verify', id, '--json']);
    expect(stderr).toBe('');
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({
      ruleId: id,
      prefix,
      objects: (await listKeys(BUCKET, prefix)).length,
      events: EVENTS,
      duplicateIds: 0,
      malformedLines: 0,
      ok: true,
    });
    expect(code).toBe(0);
  }
});
