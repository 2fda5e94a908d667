// audit-collect worker: polls the task queue and runs the collection runs and their batches.
import { readWorkerConfig } from '../../worker/config';
import type * as RunModule from '../../worker/run';
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { unknownVariableWarnings, workerEnvironmentHelp } from '../environment';

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
  environment: workerEnvironmentHelp(),
  async run() {
    // Loaded only here, as the other commands do not need the worker's native runtime; with require,
    // since under tsx's CommonJS loading import() would not resolve the .ts files.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runWorker } = require('../../worker/run') as typeof RunModule;
    const config = readWorkerConfig();
    // A misspelt name would otherwise be ignored without a word.
    for (const warning of unknownVariableWarnings(process.env)) console.error(warning);
    return (await runWorker({ config })) === 0 ? EXIT.ok : EXIT.failed;
  },
});
