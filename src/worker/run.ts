// A worker process from start to exit: telemetry, the ops HTTP server (metrics, health), the worker,
// and a graceful drain on SIGTERM or SIGINT.
import { splitAddress } from '../temporal/settings';
import { GracefulShutdownPeriodExpiredError, Runtime, type Worker } from '@temporalio/worker';
import { createCollectorMetrics } from '../activities/metrics';
import { loadTemporalConnection } from '../temporal/load-settings';
import { SettingsError } from '../common/settings-error';
import { type WorkerConfig } from './config';
import { withLag } from './lag-metric';
import { buildInfoMetricText } from './build-info-metric';
import { readBuildInfo } from '../common/build-info';
import { ListenError, startOpsServer, type OpsServer } from './ops-server';
import { createReadiness } from './readiness';
import { installTelemetry } from './telemetry';
import { createCollectorWorker } from './worker';

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
/** A Temporal probe from /readyz gives up after this long. */
const PROBE_TIMEOUT_MS = 2_000;

/** Runs until a signal has drained the worker; resolves with the process's exit code. */
export async function runWorker(params: { config: WorkerConfig; say?: (line: string) => void }): Promise<number> {
  const { config } = params;
  const say = params.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { scrapeCore } = await installTelemetry({ config });
  const metrics = createCollectorMetrics({ meter: Runtime.instance().metricMeter });
  const build = readBuildInfo();
  let worker: Worker | undefined;
  let stopRequested = false;

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopRequested) {
      say(`${signal} again: exiting now; batches still in flight are retried on another worker after their heartbeat timeout`);
      process.exit(1);
    }
    stopRequested = true;
    say(`${signal}: draining; no new work is taken, in-flight batches have ${config.AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS} s to finish`);
    if (worker?.getState() === 'RUNNING') worker.shutdown();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);

  let ops: OpsServer | undefined;
  try {
    ops = await startOps({
      config,
      worker: () => worker,
      scrape:
        scrapeCore &&
        (async () => withLag({ core: await scrapeCore(), samples: metrics.lag({ nowMs: Date.now() }) }) + buildInfoMetricText(build)),
    });
    worker = await createCollectorWorker({ config, metrics });
    if (stopRequested) return 0;
    const where = ops ? `/metrics, /healthz and /readyz at http://${config.AUDIT_COLLECT_METRICS_ADDRESS}` : 'metrics off';
    // The address may come from a profile of the config file, not TEMPORAL_ADDRESS.
    const { address } = loadTemporalConnection();
    say(
      `worker polling task queue '${config.AUDIT_COLLECT_TASK_QUEUE}' on ${address} (audit-collect ${build.version}, commit ${build.commit}); ${where}`,
    );
    await worker.run();
    say('worker drained and stopped');
    return 0;
  } catch (error) {
    if (!(error instanceof GracefulShutdownPeriodExpiredError)) throw error;
    say(`a cancelled batch did not return within the shutdown grace period; exiting: ${error.message}`);
    return 1;
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    await ops?.close();
    // Closing the connection lets the SDK's runtime shut down, so the process exits.
    await worker?.connection?.close();
  }
}

async function startOps(params: {
  config: WorkerConfig;
  worker: () => Worker | undefined;
  scrape?: () => Promise<string>;
}): Promise<OpsServer | undefined> {
  const { config } = params;
  const address = config.AUDIT_COLLECT_METRICS_ADDRESS;
  if (address === 'off') return undefined;
  const readiness = createReadiness({
    state: () => params.worker()?.getState(),
    probeTemporal: async () => {
      const connection = params.worker()?.connection;
      if (!connection) throw new Error('no connection');
      await connection.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () => connection.workflowService.getSystemInfo({}));
    },
  });
  try {
    return await startOpsServer({ ...splitAddress(address), readiness, metrics: params.scrape });
  } catch (error) {
    if (!(error instanceof ListenError)) throw error;
    throw new SettingsError(
      `invalid worker environment:\n  AUDIT_COLLECT_METRICS_ADDRESS: ${error.message}; choose a free host:port, or off`,
    );
  }
}
