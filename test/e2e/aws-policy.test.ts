// deploy/aws/worker-policy.json's S3 statements, enforced by an S3 server: a versitygw of this
// file's own with accounts, the statements as the bucket's policy for a non-owner account the worker
// uses. With them a rule collects and `check` passes; without any one action, `check` names it.
// versitygw evaluates bucket policies, not IAM identity policies, KMS, or AWS's 403-for-404 without
// ListBucket (docs/aws.md says what that leaves to be checked on AWS).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { requireBinary } from '../../dev/infra/binaries';
import { startSimulator, type Simulator } from '../../dev/simulator/server';
import { ChildWorker } from '../helpers/child-worker';
import { stopAll, stopProcess } from '../helpers/processes';
import { writeRulesFile } from '../helpers/rules-file';
import { completedRun } from '../helpers/runs';
import { DEFAULT_PREFIX, ROOT, TEST_SERVERS, runCli, temporalClient } from '../helpers/servers';

const OFFSET = TEST_SERVERS.s3Port - 17070;
const S3_PORT = 17150 + OFFSET;
const ADMIN_PORT = 17151 + OFFSET;
const ROOT_KEYS = { access: 'policy-root', secret: 'policy-root-secret-51e0' };
const WORKER_KEYS = { access: 'policy-worker', secret: 'policy-worker-secret-9a7c' };
const BUCKET = 'audit-logs';
const ORG = '2b8f6e1d-0c4a-4d7e-8f3b-6a5c9d2e1f07';
const API_KEY = 'policy-api-key-0d4e';
const RULE = 'policy-audit';
const QUEUE = 'audit-collect-policy';

interface Statement {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string[];
}

let s3Server: ChildProcess | undefined;
let sim: Simulator;
let client: Client;
let worker: ChildWorker | undefined;
let rulesFile: string;

/** The worker's environment: this file's S3 server, as the policy's account, and a task queue of its own. */
const WORKER_ENV = {
  AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${S3_PORT}`,
  AWS_ACCESS_KEY_ID: WORKER_KEYS.access,
  AWS_SECRET_ACCESS_KEY: WORKER_KEYS.secret,
  AUDIT_COLLECT_TASK_QUEUE: QUEUE,
  AUDIT_COLLECT_METRICS_ADDRESS: 'off',
  ATLASSIAN_TEST_API_KEY: API_KEY,
};

const rootS3 = () =>
  new S3Client({
    endpoint: `http://127.0.0.1:${S3_PORT}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ROOT_KEYS.access, secretAccessKey: ROOT_KEYS.secret },
  });

/** The policy file's S3 statements as a bucket policy for the worker's account, leaving out `drop`. */
function bucketPolicy(drop?: string): string {
  const policy = JSON.parse(readFileSync(join(ROOT, 'deploy', 'aws', 'worker-policy.json'), 'utf8')) as { Statement: Statement[] };
  const statements = policy.Statement.map((s) => ({
    ...s,
    Principal: { AWS: [WORKER_KEYS.access] },
    Action: s.Action.filter((a) => a.startsWith('s3:') && a !== drop),
  })).filter((s) => s.Action.length > 0);
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

async function serverUp(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${S3_PORT}/`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`versitygw did not listen on 127.0.0.1:${S3_PORT}`);
}

async function checkBucketLines(): Promise<Record<string, string>> {
  const { stdout } = await runCli(['check', rulesFile, '--json'], WORKER_ENV);
  const { checks } = JSON.parse(stdout) as { checks: Array<{ name: string; status: string }> };
  return Object.fromEntries(checks.filter((c) => c.name.startsWith(`bucket ${BUCKET}`)).map((c) => [c.name, c.status]));
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-collect-policy-'));
  for (const sub of ['data', 'meta', 'iam']) mkdirSync(join(dir, sub));
  const versitygw = requireBinary('versitygw');
  s3Server = spawn(
    versitygw,
    [
      '--port',
      `127.0.0.1:${S3_PORT}`,
      '--admin-port',
      `127.0.0.1:${ADMIN_PORT}`,
      '--iam-dir',
      join(dir, 'iam'),
      '--quiet',
      'posix',
      '--sidecar',
      join(dir, 'meta'),
      join(dir, 'data'),
    ],
    {
      env: { ...process.env, ROOT_ACCESS_KEY: ROOT_KEYS.access, ROOT_SECRET_KEY: ROOT_KEYS.secret },
      stdio: 'ignore',
    },
  );
  await serverUp();
  execFileSync(versitygw, [
    'admin',
    '--access',
    ROOT_KEYS.access,
    '--secret',
    ROOT_KEYS.secret,
    '--endpoint-url',
    `http://127.0.0.1:${ADMIN_PORT}`,
    'create-user',
    '--access',
    WORKER_KEYS.access,
    '--secret',
    WORKER_KEYS.secret,
    '--role',
    'user',
  ]);
  await rootS3().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await rootS3().send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: bucketPolicy() }));

  sim = await startSimulator({ seed: 21, rateLimitPerMinute: 0, orgs: [{ orgId: ORG, apiKeys: [API_KEY], events: 700 }] });
  client = await temporalClient();
  rulesFile = writeRulesFile({
    connections: [{ name: 'acme', orgId: ORG, apiKey: 'env:ATLASSIAN_TEST_API_KEY', baseUrl: sim.url }],
    rules: [{ id: RULE, connection: 'acme', bucket: BUCKET, prefix: DEFAULT_PREFIX, interval: '1h', startFrom: '7d' }],
  });
  worker = new ChildWorker(WORKER_ENV);
  await worker.start();
});

afterAll(() =>
  stopAll(
    () => worker?.kill('SIGTERM'),
    () => sim?.close(),
    () => client?.connection.close(),
    () => stopProcess(s3Server),
  ),
);

test('with the policy, a rule collects: its objects, its checkpoint and the conditional-writes probe', async () => {
  const applied = await runCli(['apply', rulesFile], { AUDIT_COLLECT_TASK_QUEUE: QUEUE, ATLASSIAN_TEST_API_KEY: API_KEY });
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  const result = await completedRun(client, RULE);
  expect(result.run.events).toBe(700);
  expect(result.run.caughtUp).toBe(true);
  // A second run reads and replaces the checkpoint (If-Match) and finds nothing new.
  expect((await completedRun(client, RULE)).run.events).toBe(0);
});

test('with the policy, check passes every bucket line', async () => {
  expect(await checkBucketLines()).toEqual({
    [`bucket ${BUCKET} s3:PutObject`]: 'pass',
    [`bucket ${BUCKET} conditional writes`]: 'pass',
    [`bucket ${BUCKET} s3:GetObject`]: 'pass',
    [`bucket ${BUCKET} s3:ListBucket`]: 'pass',
    [`bucket ${BUCKET} s3:DeleteObject`]: 'pass',
  });
});

test.each(['s3:GetObject', 's3:ListBucket', 's3:DeleteObject', 's3:PutObject'])('without %s, check names it', async (action) => {
  await rootS3().send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: bucketPolicy(action) }));
  try {
    const lines = await checkBucketLines();
    // DeleteObject only check needs: a warning. The others fail.
    expect(lines[`bucket ${BUCKET} ${action}`]).toBe(action === 's3:DeleteObject' ? 'warn' : 'fail');
    // Every other line passes (without PutObject there is no probe to test conditional writes on).
    const others = Object.entries(lines).filter(([name]) => name !== `bucket ${BUCKET} ${action}`);
    expect(others.filter(([, status]) => status !== 'pass')).toEqual([]);
  } finally {
    await rootS3().send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: bucketPolicy() }));
  }
});
