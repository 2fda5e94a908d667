// Saves the event histories of real runs as test/fixtures/histories/*.json, for the replay test
// (test/workflow/replay.test.ts) that checks today's workflow code still replays them. Runs its own
// Temporal dev server, S3 server, simulator and worker on loopback, then stops them:
//
//   npx tsx dev/save-histories.ts
//
// Saved: a collect run catching up (several batches), an idle collect run (one empty batch, started
// from the previous run's result), a backfill's parent and one of its slices. Save new histories
// when a change to workflow code adds something the old ones do not exercise; keep the old files
// as long as runs like them may be in flight (see CONTRIBUTING.md).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ensureBinary } from './infra/binaries';
import { startS3, startTemporal, type RunningServer } from './infra/servers';
import { startSimulator, type Simulator } from './simulator/server';
import { sliceWorkflowId } from '../src/model/ids';
import { readWorkerConfig } from '../src/worker/config';
import { createCollectorWorker } from '../src/worker/worker';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'test', 'fixtures', 'histories');
// Clear of the test suites' ports (17233 and up, the fault suite +40), with their offset honoured.
const OFFSET = Number(process.env.AUDIT_COLLECT_TEST_PORT_OFFSET ?? 0) + 60;
const PORTS = { temporal: 17233 + OFFSET, ui: 18233 + OFFSET, s3: 17070 + OFFSET };
const ORG = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
const API_KEY = 'save-histories-api-key-0c4e';
const BUCKET = 'audit-histories';
const RULE = 'history-audit';
const S3_KEYS = { accessKey: 'audit-collect-histories', secretKey: 'histories-s3-secret-71b2' };
const DAY = 86_400_000;

const ENV = {
  TEMPORAL_ADDRESS: `127.0.0.1:${PORTS.temporal}`,
  TEMPORAL_NAMESPACE: 'default',
  AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${PORTS.s3}`,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: S3_KEYS.accessKey,
  AWS_SECRET_ACCESS_KEY: S3_KEYS.secretKey,
  AUDIT_COLLECT_S3_FORCE_PATH_STYLE: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  ATLASSIAN_HISTORY_API_KEY: API_KEY,
  // One object of one 200-event page per batch: the rule's day of some 700 events takes several batches.
  AUDIT_COLLECT_PAGE_LIMIT: '200',
  AUDIT_COLLECT_PAGES_PER_OBJECT: '1',
  AUDIT_COLLECT_BATCH_SECONDS: '0',
  AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '0',
  AUDIT_COLLECT_METRICS_ADDRESS: 'off',
} satisfies Record<string, string>;

function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'audit-collect'), ...args], { env: { ...process.env, ...ENV } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`audit-collect ${args.join(' ')} exited ${code}:\n${stderr}`)),
    );
  });
}

function rulesYaml(sim: Simulator): string {
  return `connections:
  - name: history
    orgId: ${ORG}
    apiKey: env:ATLASSIAN_HISTORY_API_KEY
    baseUrl: ${sim.url}
rules:
  - id: ${RULE}
    connection: history
    destination: { bucket: ${BUCKET}, prefix: atlassian/audit/ }
    interval: 1h
    startFrom: 1d
`;
}

/**
 * The history as `temporal workflow show --output json` prints it (the format the replayer reads),
 * with its workflow ID beside the events: a backfill's replay needs it, as its slices' IDs derive from it.
 */
function save(name: string, workflowId: string, runId?: string): void {
  const args = [
    'workflow',
    'show',
    '--address',
    ENV.TEMPORAL_ADDRESS,
    '--workflow-id',
    workflowId,
    ...(runId ? ['--run-id', runId] : []),
    '--output',
    'json',
  ];
  const history = JSON.parse(execFileSync(ensureBinary('temporal'), args, { maxBuffer: 1 << 28 }).toString('utf8')) as {
    events: unknown[];
  };
  writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify({ workflowId, ...history }, null, 2)}\n`);
  console.log(`saved ${name}.json (${history.events.length} events) from ${workflowId}`);
}

async function triggerAndWait(): Promise<{ workflowId: string; runId: string; events: number; batches: number }> {
  const out = JSON.parse(await cli(['trigger', RULE, '--wait', '--json']));
  return { workflowId: out.run.workflowId, runId: out.run.runId, events: out.run.result.run.events, batches: out.run.result.run.batches };
}

async function main(): Promise<void> {
  Object.assign(process.env, ENV);
  const dir = mkdtempSync(join(tmpdir(), 'audit-collect-histories-'));
  const servers: RunningServer[] = [];
  let sim: Simulator | undefined;
  let stopWorker: (() => Promise<void>) | undefined;
  try {
    servers.push(await startTemporal({ dir, port: PORTS.temporal, uiPort: PORTS.ui }));
    servers.push(await startS3({ dir, port: PORTS.s3, ...S3_KEYS }));
    sim = await startSimulator({
      seed: 21,
      orgs: [{ orgId: ORG, apiKeys: [API_KEY], events: 2000 }],
      rateLimitPerMinute: 0,
      seedSpanMs: 3 * DAY,
    });
    const s3 = new S3Client({
      endpoint: ENV.AWS_ENDPOINT_URL_S3,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: S3_KEYS.accessKey, secretAccessKey: S3_KEYS.secretKey },
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));

    // The worker the product runs, in this process, configured from the environment.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const connection = await NativeConnection.connect({ address: ENV.TEMPORAL_ADDRESS });
    const worker = await createCollectorWorker({ config: readWorkerConfig(process.env), connection });
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running;
      await connection.close();
    };
    const client = new Client({ connection: await Connection.connect({ address: ENV.TEMPORAL_ADDRESS }), namespace: 'default' });

    const rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, rulesYaml(sim));
    await cli(['apply', rulesFile]);
    mkdirSync(OUT, { recursive: true });

    const catchUp = await triggerAndWait();
    if (catchUp.batches < 2) throw new Error(`the catch-up run took ${catchUp.batches} batch(es); expected several`);
    save('collect-catch-up', catchUp.workflowId, catchUp.runId);
    const idle = await triggerAndWait();
    if (idle.events !== 0) throw new Error(`the idle run wrote ${idle.events} events; expected none`);
    save('collect-idle', idle.workflowId, idle.runId);

    // Two days before the rule's start point, two slices at a time.
    const status = JSON.parse(await cli(['status', RULE, '--json']));
    const liveStartMs: number = status.lastSuccess.result.startPointMs;
    const range = ['--from', new Date(liveStartMs - 2 * DAY).toISOString(), '--to', new Date(liveStartMs).toISOString()];
    const started = JSON.parse(await cli(['backfill', RULE, ...range, '--concurrency', '2', '--json']));
    const backfillId: string = started.backfillId;
    await client.workflow.getHandle(backfillId).result();
    save('backfill-parent', backfillId);
    save('backfill-slice', sliceWorkflowId(backfillId, 0));
    await client.connection.close();
  } finally {
    await stopWorker?.();
    await sim?.close();
    for (const server of servers.reverse()) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
