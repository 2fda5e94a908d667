// The whole preflight of a rules file: every connection once, every bucket once, then Temporal.
// Nothing is started or scheduled; the only thing written is a probe object, removed again.
import { createAtlassianClient } from '../../atlassian/client';
import { createPacer } from '../../atlassian/pacer';
import { createSecretResolver } from '../../secrets/api-keys';
import { createSiteAuditClient } from '../../sites/client';
import type { ConnectionSpec } from '../../model/types';
import { createS3Client } from '../../storage/s3';
import { readWorkerConfig } from '../../worker/config';
import { connectClient, temporalTarget } from '../../temporal/client';
import type { RuleDefinition } from '../rules';
import { checkConnection } from './atlassian';
import { report, type CheckReport } from './result';
import { checkBucket } from './s3';
import { checkTemporal } from './temporal';

/**
 * Runs every check with the worker's environment (API keys, S3), as the worker would, and for the
 * task queues the rules' runs go to (as apply resolves them, `taskQueue` being --task-queue).
 */
export async function runChecks(params: {
  rules: RuleDefinition[];
  taskQueue?: string;
  env?: NodeJS.ProcessEnv;
  nowMs?: number;
}): Promise<CheckReport> {
  const env = params.env ?? process.env;
  const config = readWorkerConfig(env);
  const nowMs = params.nowMs ?? Date.now();
  const resolver = createSecretResolver({
    env,
    envPattern: config.AUDIT_COLLECT_SECRET_ENV_PATTERN,
    secretsDir: config.AUDIT_COLLECT_SECRETS_DIR,
    allowedHosts: config.AUDIT_COLLECT_ALLOWED_API_HOSTS,
  });
  // One request per org: nothing to pace.
  const unpaced = { timeoutMs: config.AUDIT_COLLECT_HTTP_TIMEOUT_MS, pacer: createPacer({ perMinute: 0, burst: 1 }) };
  const source = createAtlassianClient(unpaced);
  const sites = createSiteAuditClient(unpaced);
  const s3 = createS3Client({ forcePathStyle: config.AUDIT_COLLECT_S3_FORCE_PATH_STYLE });

  const connections = new Map<string, ConnectionSpec>(params.rules.map((r) => [r.spec.connection.name, r.spec.connection]));
  const buckets = new Set(params.rules.map((r) => r.spec.destination.bucket));
  try {
    const checks = [];
    for (const connection of connections.values()) checks.push(...(await checkConnection({ connection, resolver, source, sites, nowMs })));
    for (const bucket of buckets) checks.push(...(await checkBucket({ s3, bucket })));
    checks.push(
      ...(await checkTemporal({
        connect: () => connectClient(),
        address: temporalTarget(env).address,
        taskQueues: [...new Set(params.rules.map((r) => r.taskQueue ?? params.taskQueue ?? config.AUDIT_COLLECT_TASK_QUEUE))],
      })),
    );
    return report(checks);
  } finally {
    s3.destroy();
  }
}
