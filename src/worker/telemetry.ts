// The worker's logs and metrics: structured JSON lines (with rule, workflow and run IDs) and a
// Prometheus exporter carrying the SDK's metrics and the collector's own. Installed once per
// process, before the worker is created.
import { get } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { DefaultLogger, Runtime, type LogEntry, type RuntimeOptions } from '@temporalio/worker';
import { ruleIdOfWorkflowId } from '../model/ids';
import type { WorkerConfig } from './config';

/** Secret values the worker has seen; any log line containing one has it replaced. */
const secrets = new Set<string>();
const REDACTED = '[redacted]';

/** Registers a secret for redaction (short values are ignored: they would mangle ordinary text). */
export function redactFromLogs(value: string | undefined): void {
  if (value && value.length >= 8) secrets.add(value);
}

function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  return out;
}

function plain(value: unknown): unknown {
  if (value instanceof Error) {
    const { name, message } = value;
    const type = (value as { type?: unknown }).type;
    const cause = value.cause instanceof Error ? plain(value.cause) : undefined;
    return { name, message, ...(typeof type === 'string' && { type }), ...(cause !== undefined && { cause }) };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** One log entry as a JSON line: time, level, message, ruleId, workflowId, runId, then the rest. */
export function jsonLogLine(entry: LogEntry): string {
  const meta = { ...(entry.meta ?? {}) } as Record<string, unknown>;
  const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
  const ruleId = meta.ruleId ?? (workflowId ? ruleIdOfWorkflowId(workflowId) : undefined);
  // Activities name the run `workflowRunId`, workflows `runId`: one name for both. The task token
  // is an opaque binary blob, of no use in a log.
  const runId = meta.runId ?? meta.workflowRunId;
  for (const key of ['ruleId', 'runId', 'workflowRunId', 'taskToken']) delete meta[key];
  const line = {
    time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    level: entry.level,
    message: entry.message,
    ...(ruleId !== undefined && { ruleId }),
    ...(workflowId !== undefined && { workflowId }),
    ...(runId !== undefined && { runId }),
    ...meta,
  };
  return redact(JSON.stringify(line, (_key, value) => plain(value)));
}

/** Fetches the SDK's Prometheus text (the SDK's metrics and ours recorded on its meter). */
export type CoreMetricsScrape = () => Promise<string>;

/**
 * Installs the SDK runtime with our logger and, unless metrics are off, its Prometheus exporter on
 * a free loopback port of its own: the worker's HTTP server (`ops-server.ts`) serves it on
 * AUDIT_COLLECT_METRICS_ADDRESS next to the health endpoints, which the exporter cannot serve.
 * Signals are left to the caller, which drains the worker itself.
 */
export async function installTelemetry(params: {
  config: WorkerConfig;
  write?: (line: string) => void;
}): Promise<{ scrapeCore?: CoreMetricsScrape }> {
  const { config } = params;
  const write = params.write ?? ((line: string) => process.stdout.write(line));
  redactFromLogs(process.env.AWS_SECRET_ACCESS_KEY);
  redactFromLogs(process.env.AWS_SESSION_TOKEN);
  const level = config.AUDIT_COLLECT_LOG_LEVEL;
  const metricsOn = config.AUDIT_COLLECT_METRICS_ADDRESS !== 'off';
  const corePort = metricsOn ? await freeLoopbackPort() : 0;
  const options: RuntimeOptions = {
    shutdownSignals: [],
    logger:
      config.AUDIT_COLLECT_LOG_FORMAT === 'json'
        ? new DefaultLogger(level, (entry) => write(jsonLogLine(entry) + '\n'))
        : new DefaultLogger(level, (entry) =>
            write(redact(`${entry.level} ${entry.message} ${JSON.stringify(entry.meta ?? {}, (_k, v) => plain(v))}`) + '\n'),
          ),
    telemetryOptions: {
      // The SDK core's own logs join the same stream, so one pipeline reads everything.
      logging: { forward: {}, filter: { core: level === 'TRACE' || level === 'DEBUG' ? level : 'WARN', other: 'ERROR' } },
      ...(metricsOn && { metrics: { prometheus: { bindAddress: `127.0.0.1:${corePort}`, countersTotalSuffix: true } } }),
    },
  };
  Runtime.install(options);
  return metricsOn ? { scrapeCore: () => httpGetText(`http://127.0.0.1:${corePort}/metrics`) } : {};
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function httpGetText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`the SDK's metrics exporter answered ${res.statusCode}`)),
      );
      res.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error("the SDK's metrics exporter did not answer in 5 s")));
    request.on('error', reject);
  });
}
