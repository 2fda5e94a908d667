// Shared helpers for e2e tests: the test servers' addresses, S3 access, a worker, and the CLI.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../dev/simulator/server';
import { readWorkerConfig } from '../../src/worker/config';
import { createCollectorWorker } from '../../src/worker/worker';

// Several checkouts can test side by side on one machine with AUDIT_COLLECT_TEST_PORT_OFFSET.
const OFFSET = Number(process.env.AUDIT_COLLECT_TEST_PORT_OFFSET ?? 0);

export const TEST_SERVERS = {
  temporalPort: 17233 + OFFSET,
  uiPort: 18233 + OFFSET,
  s3Port: 17070 + OFFSET,
  metricsPort: 19464 + OFFSET,
  s3AccessKey: 'audit-collect-test',
  s3SecretKey: 'test-s3-secret-4b1d9e',
};

export const DAY_MS = 86_400_000;
/** The prefix most e2e rules write under. */
export const DEFAULT_PREFIX = 'atlassian/audit/';

export const TEMPORAL_ADDRESS = `127.0.0.1:${TEST_SERVERS.temporalPort}`;
export const ROOT = join(__dirname, '..', '..');

/** What the worker and CLI need to reach the test servers, as a user would set it. */
export const TEST_ENV: Record<string, string> = {
  TEMPORAL_ADDRESS,
  TEMPORAL_NAMESPACE: 'default',
  // Not the developer's own ~/.config/temporalio/temporal.toml: its TLS or API key would leak in.
  TEMPORAL_CONFIG_FILE: join(__dirname, '..', 'fixtures', 'temporal-empty.toml'),
  AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${TEST_SERVERS.s3Port}`,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: TEST_SERVERS.s3AccessKey,
  AWS_SECRET_ACCESS_KEY: TEST_SERVERS.s3SecretKey,
  AUDIT_COLLECT_S3_FORCE_PATH_STYLE: 'true',
  // The simulator shows every event the moment it is processed unless told otherwise; the
  // scenarios with late-readable events set a window of their own.
  AUDIT_COLLECT_SETTLE_SECONDS: '0',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export function useTestEnv(extra: Record<string, string> = {}): void {
  Object.assign(process.env, TEST_ENV, extra);
}

let s3Endpoint = TEST_ENV.AWS_ENDPOINT_URL_S3;

/** Points this test file's S3 helpers at another S3 server (module state: one test file only). */
export function useS3Endpoint(url: string): void {
  s3Endpoint = url;
}

export function s3(): S3Client {
  return new S3Client({
    endpoint: s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: TEST_SERVERS.s3AccessKey, secretAccessKey: TEST_SERVERS.s3SecretKey },
  });
}

export async function createBucket(bucket: string): Promise<void> {
  await s3().send(new CreateBucketCommand({ Bucket: bucket }));
}

export async function listKeys(bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

export async function getObject(bucket: string, key: string): Promise<Buffer> {
  const out = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** Decodes with the reference `zstd` command-line tool, as a user of the bucket would. */
export function zstdDecode(data: Buffer): string {
  return execFileSync('zstd', ['-dc'], { input: data, maxBuffer: 1 << 30 }).toString('utf8');
}

/** An object's text, decoded by the reference `zstd` tool. */
export async function objectText(bucket: string, key: string): Promise<string> {
  return zstdDecode(await getObject(bucket, key));
}

/** Every event line under a prefix, parsed, with the key it came from. */
export async function readEvents(
  bucket: string,
  prefix: string,
): Promise<Array<{ key: string; event: { id: string; attributes: { processedAt: string } } }>> {
  const out = [];
  for (const key of await listKeys(bucket, prefix)) {
    const text = await objectText(bucket, key);
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.slice(0, -1).split('\n')) out.push({ key, event: JSON.parse(line) });
  }
  return out;
}

export async function temporalClient(): Promise<Client> {
  const connection = await Connection.connect({ address: TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: 'default' });
}

/**
 * The start of most e2e files: the test environment with `apiKey` as ATLASSIAN_TEST_API_KEY, the
 * simulator serving one org of `events` events, a Temporal client, and the bucket.
 */
export async function startOrgServers(
  { orgId, apiKey, events, bucket }: { orgId: string; apiKey: string; events: number; bucket: string },
  simulator: Omit<SimulatorOptions, 'orgs'>,
): Promise<{ sim: Simulator; client: Client }> {
  useTestEnv({ ATLASSIAN_TEST_API_KEY: apiKey });
  const sim = await startSimulator({ ...simulator, orgs: [{ orgId, apiKeys: [apiKey], events }] });
  try {
    const client = await temporalClient();
    await createBucket(bucket);
    return { sim, client };
  } catch (error) {
    await sim.close();
    throw error;
  }
}

/** For stopAll: closing what startOrgServers started (either may be missing if it failed part way). */
export function orgServerStops(sim: Simulator | undefined, client: Client | undefined): Array<() => Promise<unknown> | undefined> {
  return [() => sim?.close(), () => client?.connection.close()];
}

let runtimeInstalled = false;

/** A real worker in this process, configured from the environment as `audit-collect worker` is. */
export async function startWorker(env: Record<string, string> = {}): Promise<{ stop(): Promise<void> }> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const connection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
  const config = readWorkerConfig({ ...process.env, ...TEST_ENV, ...env });
  const worker = await createCollectorWorker({ config, connection });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `audit-collect` command. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'audit-collect'), ...args], { env: { ...process.env, ...TEST_ENV, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
