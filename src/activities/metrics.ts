// The collector's own metrics, recorded by the activities and the Atlassian client on the worker's
// metric meter (exported with the SDK's metrics on the Prometheus endpoint). Labels carry rule and
// org IDs only, never secrets.
import { noopMetricMeter, type MetricMeter } from '@temporalio/common';

export interface LagSample {
  ruleId: string;
  seconds: number;
}

export interface CollectorMetrics {
  /** One answer (or a transport failure: status `error`) of the Atlassian API. */
  apiResponse(params: { orgId: string; status: number | 'error' }): void;
  /**
   * One object written (or an empty read): what it held, and where the rule's cursor now is.
   * `nowMs` is when it was written; lag is not taken from it but computed when asked.
   */
  objectWritten(params: { ruleId: string; events: number; bytes: number; lastProcessedAt: string | null; nowMs: number }): void;
  /** Each rule's lag at `nowMs`, from the furthest processedAt this process has written for it. */
  lag(params: { nowMs: number }): LagSample[];
}

/**
 * Now minus each rule's last processedAt, in seconds (never negative). Computed at scrape time, so
 * a rule whose batches stop keeps a growing lag instead of the value its last object left.
 */
export function lagSamples(params: { lastProcessedMs: ReadonlyMap<string, number>; nowMs: number }): LagSample[] {
  const { lastProcessedMs, nowMs } = params;
  return [...lastProcessedMs]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ruleId, atMs]) => ({ ruleId, seconds: Math.max(0, (nowMs - atMs) / 1000) }));
}

export function createCollectorMetrics(params: { meter?: MetricMeter } = {}): CollectorMetrics {
  const meter = params.meter ?? noopMetricMeter;
  const events = meter.createCounter('audit_collect_events_collected', 'events', 'Audit events written to S3, per rule');
  const bytes = meter.createCounter('audit_collect_bytes_uploaded', 'bytes', 'Compressed bytes uploaded to S3, per rule');
  const requests = meter.createCounter(
    'audit_collect_api_requests',
    'requests',
    'Atlassian events-stream requests, by org and HTTP status',
  );
  const lastProcessed = meter.createGauge(
    'audit_collect_last_processed_timestamp_seconds',
    'float',
    's',
    "The rule's last processedAt written to S3 by this worker (epoch seconds)",
  );
  const lastProcessedMs = new Map<string, number>();
  return {
    apiResponse({ orgId, status }) {
      requests.add(1, { org_id: orgId, status: String(status) });
    },
    objectWritten({ ruleId, events: n, bytes: b, lastProcessedAt }) {
      events.add(n, { rule_id: ruleId });
      bytes.add(b, { rule_id: ruleId });
      const atMs = lastProcessedAt ? Date.parse(lastProcessedAt) : NaN;
      if (Number.isNaN(atMs)) return;
      // The furthest position wins: a retried attempt resuming from older heartbeat details must
      // not move the rule's known position back.
      const furthest = Math.max(atMs, lastProcessedMs.get(ruleId) ?? atMs);
      lastProcessedMs.set(ruleId, furthest);
      lastProcessed.set(furthest / 1000, { rule_id: ruleId });
    },
    lag({ nowMs }) {
      return lagSamples({ lastProcessedMs, nowMs });
    },
  };
}
