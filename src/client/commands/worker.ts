// audit-collect worker: polls the task queue and runs the collection runs and their batches.
import { readWorkerConfig } from '../../worker/config';
import type * as TelemetryModule from '../../worker/telemetry';
import type * as WorkerModule from '../../worker/worker';
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';

export const worker = defineCommand({
  name: 'worker',
  summary: 'run a worker (Ctrl-C stops it after in-flight work)',
  description: `Runs a worker: it polls the task queue and runs the collection runs and their batches. Ctrl-C
(or SIGTERM) stops it after in-flight work. Logs go to stdout, one JSON object a line with
time, level, message, ruleId, workflowId and runId; secrets are never written.`,
  args: [],
  options: {},
  examples: [
    'ATLASSIAN_API_KEY=... AWS_REGION=eu-west-1 audit-collect worker',
    `AUDIT_COLLECT_METRICS_ADDRESS=0.0.0.0:9464 audit-collect worker | jq -c 'select(.level != "DEBUG")'`,
  ],
  environment: `Environment (validated at start; a bad value exits 2 naming it):
  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE      the Temporal server (127.0.0.1:7233, default)
  AWS_REGION, AWS_ENDPOINT_URL_S3, AWS credentials; AUDIT_COLLECT_S3_FORCE_PATH_STYLE=true for
                                            S3-compatible servers
  the API-key variables or files the rules' connections name (env:NAME, file:/path)
  AUDIT_COLLECT_METRICS_ADDRESS             Prometheus endpoint host:port, or off (127.0.0.1:9464)
  AUDIT_COLLECT_LOG_FORMAT                  json (default) or text
  AUDIT_COLLECT_LOG_LEVEL                   TRACE, DEBUG, INFO (default), WARN, ERROR
  AUDIT_COLLECT_TASK_QUEUE, AUDIT_COLLECT_HTTP_TIMEOUT_MS, AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE,
  AUDIT_COLLECT_PAGE_LIMIT, AUDIT_COLLECT_PAGES_PER_OBJECT, AUDIT_COLLECT_BATCH_SECONDS
                                            see the README`,
  async run() {
    // Loaded only here, as the other commands do not need the worker's native runtime; with require,
    // since under tsx's CommonJS loading import() would not resolve the .ts files.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { createCollectorWorker } = require('../../worker/worker') as typeof WorkerModule;
    const { installTelemetry } = require('../../worker/telemetry') as typeof TelemetryModule;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const config = readWorkerConfig();
    installTelemetry({ config });
    const worker = await createCollectorWorker({ config });
    const metrics =
      config.AUDIT_COLLECT_METRICS_ADDRESS === 'off' ? 'metrics off' : `metrics at http://${config.AUDIT_COLLECT_METRICS_ADDRESS}/metrics`;
    console.error(`worker polling task queue '${config.AUDIT_COLLECT_TASK_QUEUE}' on ${config.TEMPORAL_ADDRESS}; ${metrics}`);
    await worker.run();
    // Closing the connection lets the SDK's runtime shut down, so the process exits.
    await worker.connection?.close();
    return EXIT.ok;
  },
});
