// Builds a Temporal worker for the collector: real clients injected into the activities.
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createCollectorMetrics, type CollectorMetrics } from '../activities/metrics';
import { createPacer } from '../atlassian/pacer';
import { createSources } from './sources';
import { createS3Client, createS3Store } from '../storage/s3';
import { createConditionalWrites } from '../storage/conditional-writes';
import { createSecretResolver } from '../secrets/api-keys';
import { createZstd } from '../pipeline/zstd';
import { workflowBundlePath } from './bundle';
import { SettingsError } from '../common/settings-error';
import { type WorkerConfig } from './config';
import { dataConverterFromEnv } from '../secrets/encryption';
import { redactFromLogs } from './telemetry';
import { TemporalConfigError } from '../temporal/settings';
import { connectTemporal } from '../temporal/connect';
import { loadTemporalConnection } from '../temporal/load-settings';

/** Shutdown gives up this long after the grace period if a cancelled batch never returns. */
const FORCE_AFTER_GRACE_MS = 15_000;

export async function createCollectorWorker(params: {
  config: WorkerConfig;
  connection?: NativeConnection;
  /** The caller's, to read lag from; else one on the runtime's meter. */
  metrics?: CollectorMetrics;
}): Promise<Worker> {
  const { config } = params;
  const temporal = params.connection ? { connection: params.connection, namespace: config.TEMPORAL_NAMESPACE } : await connectNative();
  const { connection } = temporal;
  const metrics = params.metrics ?? createCollectorMetrics({ meter: Runtime.instance().metricMeter });
  const secrets = createSecretResolver({
    envPattern: config.AUDIT_COLLECT_SECRET_ENV_PATTERN,
    secretsDir: config.AUDIT_COLLECT_SECRETS_DIR,
    allowedHosts: config.AUDIT_COLLECT_ALLOWED_API_HOSTS,
  });
  const store = createS3Store(createS3Client({ forcePathStyle: config.AUDIT_COLLECT_S3_FORCE_PATH_STYLE }));
  const activities = createActivities({
    sources: createSources({
      onResponse: (response) => metrics.apiResponse(response),
      timeoutMs: config.AUDIT_COLLECT_HTTP_TIMEOUT_MS,
      pacer: createPacer({ perMinute: config.AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE, burst: 10 }),
    }),
    store,
    conditionalWrites: createConditionalWrites({ store, allowUnfenced: config.AUDIT_COLLECT_ALLOW_UNFENCED_WRITES }),
    compressor: createZstd(),
    // Every resolved API key is also masked in the logs, should any message ever carry one.
    secrets: {
      resolve: (params) => {
        const key = secrets.resolve(params);
        redactFromLogs(key);
        return key;
      },
    },
    metrics,
    pageLimit: config.AUDIT_COLLECT_PAGE_LIMIT,
    pagesPerObject: config.AUDIT_COLLECT_PAGES_PER_OBJECT,
    batchMs: config.AUDIT_COLLECT_BATCH_SECONDS * 1000,
    settleMs: config.AUDIT_COLLECT_SETTLE_SECONDS * 1000,
    notifier: {
      webhookUrl: config.AUDIT_COLLECT_NOTIFY_WEBHOOK_URL,
      format: config.AUDIT_COLLECT_NOTIFY_FORMAT,
      webUiUrl: config.AUDIT_COLLECT_WEB_UI,
    },
  });
  return Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: config.AUDIT_COLLECT_TASK_QUEUE,
    workflowBundle: { codePath: workflowBundlePath() },
    dataConverter: dataConverterFromEnv(),
    activities,
    // Batches in flight when shutdown starts may finish; then they are cancelled (see run.ts).
    shutdownGraceTime: config.AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS * 1000,
    shutdownForceTime: config.AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS * 1000 + FORCE_AFTER_GRACE_MS,
  });
}

/** Connection and namespace as the `temporal` CLI reads them; a bad setting is a SettingsError, a failed connection says what to fix. */
async function connectNative(): Promise<{ connection: NativeConnection; namespace: string }> {
  let settings;
  try {
    settings = loadTemporalConnection();
  } catch (error) {
    throw error instanceof TemporalConfigError ? new SettingsError(`invalid Temporal connection settings: ${error.message}`) : error;
  }
  redactFromLogs(settings.connectionOptions.apiKey);
  const connection = await connectTemporal({ settings, connect: (options) => NativeConnection.connect(options) });
  return { connection, namespace: settings.namespace };
}
