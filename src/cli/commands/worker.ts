// audit-collect worker: polls the task queue and runs the collection runs and their batches.
import { DEFAULT_TEMPORAL_ADDRESS } from '../../temporal/settings';
import { readWorkerConfig } from '../../worker/config';
import type * as RunModule from '../../worker/run';
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';

export const worker = defineCommand({
  name: 'worker',
  summary: 'run a worker (SIGTERM or Ctrl-C drains in-flight work, then exits 0)',
  description: `Runs a worker: it polls the task queue and runs the collection runs and their batches.
SIGTERM or Ctrl-C stops polling and gives in-flight batches AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS to
finish (a batch still running then is cancelled and resumes on another worker from its last
object), then exits 0; a second signal exits at once. GET /metrics, /healthz (alive) and /readyz
(polling; 503 while starting or draining) are served on AUDIT_COLLECT_METRICS_ADDRESS. Logs go to
stdout, one JSON object a line with time, level, message, ruleId, workflowId and runId; secrets
are never written.`,
  args: [],
  options: {},
  examples: [
    'ATLASSIAN_API_KEY=... AWS_REGION=eu-west-1 audit-collect worker',
    `AUDIT_COLLECT_METRICS_ADDRESS=0.0.0.0:9464 audit-collect worker | jq -c 'select(.level != "DEBUG")'`,
  ],
  environment: `Environment (validated at start; a bad value exits 2 naming it):
  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE      the Temporal server (${DEFAULT_TEMPORAL_ADDRESS}, default)
  TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE
                                            TLS, API key and profiles, as the temporal CLI reads them
  AWS_REGION, AWS_ENDPOINT_URL_S3, AWS credentials; AUDIT_COLLECT_S3_FORCE_PATH_STYLE=true for
                                            S3-compatible servers
  the API-key variables or files the rules' connections name (env:NAME, file:/path)
  AUDIT_COLLECT_ALLOWED_API_HOSTS           hosts a connection's baseUrl may name, comma-separated
                                            (api.atlassian.com; loopback is always allowed)
  AUDIT_COLLECT_SECRET_ENV_PATTERN          the names env: references may use (^ATLASSIAN_)
  AUDIT_COLLECT_SECRETS_DIR                 the directory file: references must be in (unset: refused)
  AUDIT_COLLECT_METRICS_ADDRESS             host:port of /metrics, /healthz, /readyz, or off
                                            (127.0.0.1:9464)
  AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS      how long in-flight batches may finish on SIGTERM (60)
  AUDIT_COLLECT_LOG_FORMAT                  json (default) or text
  AUDIT_COLLECT_LOG_LEVEL                   TRACE, DEBUG, INFO (default), WARN, ERROR
  AUDIT_COLLECT_TASK_QUEUE, AUDIT_COLLECT_HTTP_TIMEOUT_MS, AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE,
  AUDIT_COLLECT_PAGE_LIMIT, AUDIT_COLLECT_PAGES_PER_OBJECT, AUDIT_COLLECT_BATCH_SECONDS
                                            see the README`,
  async run() {
    // Loaded only here, as the other commands do not need the worker's native runtime; with require,
    // since under tsx's CommonJS loading import() would not resolve the .ts files.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runWorker } = require('../../worker/run') as typeof RunModule;
    return (await runWorker({ config: readWorkerConfig() })) === 0 ? EXIT.ok : EXIT.failed;
  },
});
