// Issue 14's preflight on the real servers: `audit-collect check` passes against a working set-up
// (simulator, S3, a worker polling) and fails with its own ✗ line and exit 1 for each broken piece:
// a wrong API key, a key of another org, an unknown org, an expired key, a missing bucket, a bucket
// that refuses writes, a namespace without RuleId, a missing namespace, no worker polling.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { binaryPath } from '../../dev/infra/binaries';
import { startSimulator, type SimOrg, type Simulator } from '../../dev/simulator/server';
import { scheduleId } from '../../src/model/ids';
import { stopAll, stopProcess } from '../helpers/processes';
import { writeRulesFile, type ConnectionParams } from '../helpers/rules-file';
import { DAY_MS, TEST_SERVERS, createBucket, listKeys, runCli, startWorker, temporalClient, useTestEnv } from '../helpers/servers';

const ORG = '3a6f0c2e-7d41-4b9a-9e35-0c8d2b1f6a70';
const UNKNOWN_ORG = '00000000-0000-4000-8000-000000000404';
const API_KEY = 'sim-check-key-5e8a1d3c9f';
/** Another org the simulator serves, whose key is not ours: the "key of another org" case. */
const OTHER_ORG: SimOrg = { orgId: '9b2e4f61-1c3d-4a7e-8f05-6d9c3b2a1e48', apiKeys: ['sim-check-other-key-2b7f4e'], events: 5 };
const BUCKET = 'check-e2e';
const READ_ONLY_BUCKET = 'check-read-only';
const RULE = 'check-acme';
const NO_RULE_ID_NAMESPACE = 'check-without-ruleid';

let sim: Simulator;
let client: Client;
let worker: { stop(): Promise<void> };
let readOnlyS3: { child: ChildProcess; url: string };

function rulesFile(params: { connection?: Partial<ConnectionParams>; bucket?: string; paused?: boolean; taskQueue?: string } = {}): string {
  return writeRulesFile({
    taskQueue: params.taskQueue,
    connections: [{ name: 'acme', orgId: ORG, apiKey: 'env:ATLASSIAN_CHECK_KEY', baseUrl: sim.url, ...params.connection }],
    rules: [
      { id: RULE, connection: 'acme', bucket: params.bucket ?? BUCKET, prefix: 'atlassian/audit/', interval: '1h', paused: params.paused },
    ],
  });
}

const marks = (stdout: string) => stdout.split('\n').filter((l) => /^[✓!✗] /.test(l));
const failed = (stdout: string) => marks(stdout).filter((l) => l.startsWith('✗ '));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function until(what: string, ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A second versitygw, read-only for everyone (--readonly): writes answer 403 AccessDenied. */
async function startReadOnlyS3(): Promise<{ child: ChildProcess; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'audit-collect-check-s3-'));
  mkdirSync(join(dir, 'data', READ_ONLY_BUCKET), { recursive: true });
  mkdirSync(join(dir, 'meta'));
  const port = await freePort();
  const args = ['--port', `127.0.0.1:${port}`, '--readonly', 'posix', '--sidecar', join(dir, 'meta'), join(dir, 'data')];
  const env = { ...process.env, ROOT_ACCESS_KEY: TEST_SERVERS.s3AccessKey, ROOT_SECRET_KEY: TEST_SERVERS.s3SecretKey };
  const child = spawn(binaryPath('versitygw'), args, { env, stdio: 'ignore' });
  const open = () =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }).once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  await until('the read-only S3 server did not listen', open);
  return { child, url: `http://127.0.0.1:${port}` };
}

async function pollers(taskQueueType: 1 | 2): Promise<number> {
  const { pollers: list } = await client.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: 'audit-collect' },
    taskQueueType,
  });
  return list?.length ?? 0;
}

beforeAll(async () => {
  useTestEnv({ ATLASSIAN_CHECK_KEY: API_KEY, ATLASSIAN_CHECK_WRONG_KEY: 'not-a-key-of-any-org' });
  sim = await startSimulator({
    seed: 14,
    orgs: [{ orgId: ORG, apiKeys: [API_KEY], events: 20 }, OTHER_ORG],
    rateLimitPerMinute: 0,
  });
  client = await temporalClient();
  await createBucket(BUCKET);
  readOnlyS3 = await startReadOnlyS3();
  await client.workflowService
    .registerNamespace({ namespace: NO_RULE_ID_NAMESPACE, workflowExecutionRetentionPeriod: msToTs('1 day') })
    .catch((error) => {
      if (!isGrpcServiceError(error) || !/already/i.test(error.details)) throw error;
    });
  await until('the new namespace did not become visible', async () => {
    await client.workflowService.describeNamespace({ namespace: NO_RULE_ID_NAMESPACE });
    return true;
  });
  worker = await startWorker({ ATLASSIAN_CHECK_KEY: API_KEY });
  await until('the worker did not poll', async () => (await pollers(1)) > 0 && (await pollers(2)) > 0, 60_000);
});

afterAll(() =>
  stopAll(
    () => worker?.stop(),
    () => sim?.close(),
    () => stopProcess(readOnlyS3?.child),
    () => client?.connection.close(),
  ),
);

test('a working set-up passes every check, one ✓ line each, and leaves no probe behind', async () => {
  const file = rulesFile({ connection: { expiresAt: new Date(Date.now() + 60 * DAY_MS).toISOString() } });
  const { code, stdout, stderr } = await runCli(['check', file]);
  expect(stderr).toBe('');
  expect(marks(stdout).map((l) => l.slice(0, l.indexOf(': ', 2)))).toEqual([
    "✓ connection 'acme' events-stream",
    "✓ connection 'acme' API key expiry",
    `✓ bucket ${BUCKET} s3:PutObject`,
    `✓ bucket ${BUCKET} conditional writes`,
    `✓ bucket ${BUCKET} s3:GetObject`,
    `✓ bucket ${BUCKET} s3:ListBucket`,
    `✓ bucket ${BUCKET} s3:DeleteObject`,
    '✓ Temporal connection',
    '✓ Temporal namespace',
    '✓ Temporal search attribute RuleId',
    '✓ Temporal workflow task queue',
    '✓ Temporal activity task queue',
  ]);
  expect(stdout.trim().split('\n').at(-1)).toBe('All checks passed.');
  expect(code).toBe(0);
  expect(stdout).not.toContain(API_KEY);
  // Both probes are removed, the conditional-writes one too (a worker writes it again once, if it needs it).
  expect(await listKeys(BUCKET, '_audit-collect/probe/')).toEqual([]);
});

test('--json gives the list of checks', async () => {
  const { code, stdout } = await runCli(['check', rulesFile(), '--json']);
  expect(code).toBe(0);
  const report = JSON.parse(stdout) as { ok: boolean; checks: Array<{ name: string; status: string; message: string }> };
  expect(report.ok).toBe(true);
  expect(report.checks).toHaveLength(11);
  expect(report.checks.every((c) => c.status === 'pass')).toBe(true);
  expect(report.checks[0]).toEqual({ name: "connection 'acme' events-stream", status: 'pass', message: expect.stringContaining(ORG) });
});

interface BrokenCase {
  case: string;
  rules?: () => string;
  env?: Record<string, string>;
  /** The start of the ✗ line it must print. */
  line: string;
  /** What else the ✗ line must say, e.g. the SDK's own message. */
  extra?: RegExp;
  /** Other ✗ lines the same cause brings. */
  alsoFailing?: number;
}

describe('each broken piece fails its own line and exits 1', () => {
  test.each<BrokenCase>([
    {
      case: 'a wrong API key',
      rules: () => rulesFile({ connection: { apiKey: 'env:ATLASSIAN_CHECK_WRONG_KEY' } }),
      line: `✗ connection 'acme' events-stream: Atlassian org ${ORG} (connection 'acme') answered 401 Unauthorized: the API key is missing, revoked, expired or lacks the read:events:admin scope.`,
    },
    {
      case: 'an org the key does not belong to',
      rules: () => rulesFile({ connection: { orgId: OTHER_ORG.orgId } }),
      line: `✗ connection 'acme' events-stream: Atlassian org ${OTHER_ORG.orgId} (connection 'acme') answered 403 Forbidden: the API key does not belong to this organization or lacks permission.`,
    },
    {
      case: 'an unknown org',
      rules: () => rulesFile({ connection: { orgId: UNKNOWN_ORG } }),
      line: `✗ connection 'acme' events-stream: Atlassian org ${UNKNOWN_ORG} (connection 'acme') answered 404: organization not found. Check the connection's orgId and baseUrl.`,
    },
    {
      case: 'an expired API key',
      rules: () => rulesFile({ connection: { expiresAt: '2026-01-01' } }),
      line: "✗ connection 'acme' API key expiry: the API key expired on 2026-01-01T00:00:00.000Z: create a new key, store it where env:ATLASSIAN_CHECK_KEY points",
    },
    {
      case: 'a bucket that does not exist',
      rules: () => rulesFile({ bucket: 'check-no-such-bucket' }),
      line: "✗ bucket check-no-such-bucket: S3 bucket check-no-such-bucket: the bucket does not exist. Create it or fix the rule's destination.bucket (NoSuchBucket writing _audit-collect/probe/",
    },
    {
      case: 'a namespace without the RuleId search attribute',
      env: { TEMPORAL_NAMESPACE: NO_RULE_ID_NAMESPACE },
      line: `✗ Temporal search attribute RuleId: namespace ${NO_RULE_ID_NAMESPACE} lacks the RuleId search attribute: temporal operator search-attribute create --namespace ${NO_RULE_ID_NAMESPACE} --name RuleId --type Keyword`,
      // Nor does any worker poll in that namespace.
      alsoFailing: 2,
    },
    {
      case: 'a namespace that does not exist',
      env: { TEMPORAL_NAMESPACE: 'check-no-such-namespace' },
      line: '✗ Temporal namespace: namespace check-no-such-namespace does not exist on',
    },
    {
      case: "no AWS region: the fix, and the SDK's message",
      // Node leaves out an undefined variable: AWS_REGION unset.
      env: { AWS_REGION: undefined as unknown as string },
      line: `✗ bucket ${BUCKET}: S3 bucket ${BUCKET}: no AWS region is set on the worker. Set AWS_REGION`,
      extra: /\(Error writing _audit-collect\/probe\/\S+: Region is missing\)/,
    },
    {
      case: 'an empty AWS_REGION (AWS_REGION= in an env file) reads as none',
      env: { AWS_REGION: '' },
      line: `✗ bucket ${BUCKET}: S3 bucket ${BUCKET}: no AWS region is set on the worker. Set AWS_REGION`,
      extra: /Region not accepted: region="" is not a valid hostname component/,
    },
    {
      case: "an S3 endpoint nothing listens on: the system error's code and message",
      env: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' },
      line: `✗ bucket ${BUCKET}: S3 bucket ${BUCKET}: ECONNREFUSED writing _audit-collect/probe/`,
      extra: /: connect ECONNREFUSED 127\.0\.0\.1:1; retrying|: connect ECONNREFUSED 127\.0\.0\.1:1$/,
    },
    {
      case: "no worker polling the rules file's task queue",
      rules: () => rulesFile({ taskQueue: 'check-nobody-polls-file' }),
      line: '✗ Temporal workflow task queue: no worker is polling check-nobody-polls-file for workflow tasks in namespace default',
      alsoFailing: 1,
    },
    {
      case: 'no worker polling the task queue',
      env: { AUDIT_COLLECT_TASK_QUEUE: 'check-nobody-polls' },
      line: '✗ Temporal workflow task queue: no worker is polling check-nobody-polls for workflow tasks in namespace default: start one (audit-collect worker)',
      alsoFailing: 1,
    },
  ])('$case', async ({ rules, env, line, extra, alsoFailing }) => {
    const { code, stdout, stderr } = await runCli(['check', (rules ?? rulesFile)()], env);
    expect(stderr).toBe('');
    expect(failed(stdout)).toContainEqual(expect.stringContaining(line));
    if (extra) expect(failed(stdout)).toContainEqual(expect.stringMatching(extra));
    expect(failed(stdout)).toHaveLength(1 + (alsoFailing ?? 0));
    expect(code).toBe(1);
  });

  test('a bucket that refuses writes: PutObject fails naming s3:PutObject, the other permissions on their own lines', async () => {
    const env = { AWS_ENDPOINT_URL_S3: readOnlyS3.url };
    const { code, stdout } = await runCli(['check', rulesFile({ bucket: READ_ONLY_BUCKET })], env);
    const bucketLines = marks(stdout).filter((l) => l.includes(`bucket ${READ_ONLY_BUCKET} `));
    expect(bucketLines).toEqual([
      `✗ bucket ${READ_ONLY_BUCKET} s3:PutObject: PutObject was denied (AccessDenied): grant the worker s3:PutObject on arn:aws:s3:::${READ_ONLY_BUCKET}/* (it writes objects and its checkpoint)`,
      `✓ bucket ${READ_ONLY_BUCKET} s3:GetObject: a read of a missing key answered NoSuchKey, as it should`,
      `✓ bucket ${READ_ONLY_BUCKET} s3:ListBucket: listed _audit-collect/probe/`,
      expect.stringMatching(
        new RegExp(
          `^! bucket ${READ_ONLY_BUCKET} s3:DeleteObject: DeleteObject was denied \\(AccessDenied\\): the worker does not need it`,
        ),
      ),
    ]);
    expect(failed(stdout)).toHaveLength(1);
    expect(code).toBe(1);
  });
});

test('a bad rules file exits 2 and checks nothing', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'audit-collect-check-')), 'rules.yaml');
  writeFileSync(file, 'connections: []\nrules: []\n');
  const { code, stdout, stderr } = await runCli(['check', file]);
  expect(stdout).toBe('');
  expect(stderr).toContain('connections: must list at least one connection');
  expect(code).toBe(2);
});

describe('apply --check', () => {
  test('a failing check changes no schedule and exits 1', async () => {
    const { code, stdout, stderr } = await runCli([
      'apply',
      rulesFile({ connection: { apiKey: 'env:ATLASSIAN_CHECK_WRONG_KEY' } }),
      '--check',
    ]);
    expect(stdout).toBe('');
    expect(stderr).toContain("✗ connection 'acme' events-stream: Atlassian org");
    expect(stderr).toContain('no schedule was changed');
    expect(code).toBe(1);
    await expect(client.schedule.getHandle(scheduleId(RULE)).describe()).rejects.toThrow();
  });

  test('passing checks apply the rules', async () => {
    const { code, stdout, stderr } = await runCli(['apply', rulesFile({ paused: true }), '--check', '--json']);
    expect(stderr).toContain('All checks passed.');
    expect(JSON.parse(stdout)).toEqual([expect.objectContaining({ ruleId: RULE, action: 'created' })]);
    expect(code).toBe(0);
    expect((await runCli(['delete', RULE])).code).toBe(0);
  });
});
