// What every benchmark runs against, on loopback: the Temporal dev server and the S3 server in a
// fresh log directory, the environment a worker gets, the bucket, and worker processes.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { cacheDir } from '../../infra/binaries';
import { startS3, startTemporal, type RunningServer } from '../../infra/servers';
import { loadRules, type RuleDefinition } from '../../../src/client/rules';
import { DEMO_ORG_ID } from '../../simulator/cli';
import { ROOT, startChild } from './children';

const S3_KEYS = { accessKey: 'audit-collect-bench', secretKey: 'audit-collect-bench-secret' };

/** The one simulated org of the single-org and paced benchmarks, and where its rules write. */
export const ONE_ORG = {
  orgId: DEMO_ORG_ID,
  // A value only the local simulator accepts; it never leaves this machine.
  simApiKey: 'bench-simulator-key',
  apiKeyEnv: 'ATLASSIAN_BENCH_API_KEY',
  bucket: 'audit-bench',
} as const;

/** A rules file with one rule on ONE_ORG, loaded as `apply` loads it. */
export function oneRule(params: {
  dir: string;
  simUrl: string;
  ruleId: string;
  prefix: string;
  interval: string;
  startFrom: string;
}): RuleDefinition[] {
  const file = join(params.dir, `${params.ruleId}.yaml`);
  writeFileSync(
    file,
    `connections:
  - name: sim
    orgId: ${ONE_ORG.orgId}
    apiKey: env:${ONE_ORG.apiKeyEnv}
    baseUrl: ${params.simUrl}
rules:
  - id: ${params.ruleId}
    connection: sim
    destination: { bucket: ${ONE_ORG.bucket}, prefix: ${params.prefix} }
    interval: ${params.interval}
    startFrom: ${params.startFrom}
`,
  );
  return loadRules(file);
}

export interface BenchPorts {
  temporal: number;
  ui: number;
  s3: number;
  sim: number;
  /** The first worker's metrics port; further workers take the next ones. */
  metrics: number;
  temporalMetrics: number;
}

export function benchPorts(offset: number): BenchPorts {
  return {
    temporal: 27233 + offset,
    ui: 28233 + offset,
    s3: 27070 + offset,
    sim: 28900 + offset,
    metrics: 29464 + offset,
    temporalMetrics: 29480 + offset,
  };
}

/** Stops what was started, last first; safe to call twice. */
export class Stops {
  private readonly stops: Array<() => Promise<unknown>> = [];
  push(stop: () => Promise<unknown>): void {
    this.stops.push(stop);
  }
  async stopAll(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) await stop().catch(() => undefined);
  }
}

/** The Temporal dev server and the S3 server, logging into a fresh `bench-<name>-<port>` directory. */
export async function startServers(params: {
  name: string;
  ports: BenchPorts;
  stops: Stops;
  log: (line: string) => void;
  what: string;
}): Promise<{ dir: string; temporal: RunningServer; s3: RunningServer }> {
  const { ports, stops } = params;
  const dir = join(cacheDir(), `${params.name}-${ports.temporal}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  params.log(`starting the Temporal dev server, the S3 server and ${params.what} (logs in ${dir})`);
  const temporal = await startTemporal({ dir, port: ports.temporal, uiPort: ports.ui, metricsPort: ports.temporalMetrics });
  stops.push(() => temporal.stop());
  const s3 = await startS3({ dir, port: ports.s3, ...S3_KEYS });
  stops.push(() => s3.stop());
  return { dir, temporal, s3 };
}

/** What a benchmark's worker (and its in-process client) runs with, over `extra`. */
export function workerEnv(params: { ports: BenchPorts; extra: Record<string, string> }): NodeJS.ProcessEnv {
  const { ports } = params;
  return {
    ...process.env,
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    TEMPORAL_NAMESPACE: 'default',
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${ports.s3}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3_KEYS.accessKey,
    AWS_SECRET_ACCESS_KEY: S3_KEYS.secretKey,
    AUDIT_COLLECT_S3_FORCE_PATH_STYLE: 'true',
    AUDIT_COLLECT_METRICS_ADDRESS: `127.0.0.1:${ports.metrics}`,
    // The simulator shows every event at once, and the benchmarks count every event written: no
    // settle window (the paced benchmark deletes this to run with the default).
    AUDIT_COLLECT_SETTLE_SECONDS: '0',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // As the worker's image runs (see Dockerfile): less glibc heap fragmentation, less memory.
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072',
    ...params.extra,
  };
}

export async function createBucket(params: { env: NodeJS.ProcessEnv; bucket: string }): Promise<void> {
  await new S3Client({
    endpoint: params.env.AWS_ENDPOINT_URL_S3,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_KEYS.accessKey, secretAccessKey: S3_KEYS.secretKey },
  }).send(new CreateBucketCommand({ Bucket: params.bucket }));
}

/** `audit-collect worker` in its own process; resolves once it polls its task queue. */
export function startWorkerProcess(params: {
  name: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** The Node binary (default: this one) and flags before the worker's script. */
  node?: string;
  nodeArgs?: string[];
}): Promise<ChildProcess> {
  return startChild({
    name: params.name,
    command: params.node ?? process.execPath,
    args: [...(params.nodeArgs ?? []), join(ROOT, 'bin', 'audit-collect'), 'worker'],
    env: params.env,
    ready: /worker polling task queue/,
    timeoutMs: 120_000,
    logFile: params.logFile,
  });
}
