// The collector's own metrics, recorded by the activities and the Atlassian client on the worker's
// metric meter (exported with the SDK's metrics on the Prometheus endpoint). Labels carry rule and
// org IDs only, never secrets.
import { noopMetricMeter, type MetricMeter } from '@temporalio/common';

export interface CollectorMetrics {
  /** One answer (or a transport failure: status `error`) of the Atlassian API. */
  apiResponse(params: { orgId: string; status: number | 'error' }): void;
  /** One object written (or an empty read): what it held, and how far behind the cursor now is. */
  objectWritten(params: { ruleId: string; events: number; bytes: number; lastProcessedAt: string | null; nowMs: number }): void;
}

export function createCollectorMetrics(meter: MetricMeter = noopMetricMeter): CollectorMetrics {
  const events = meter.createCounter('audit_collect_events_collected', 'events', 'Audit events written to S3, per rule');
  const bytes = meter.createCounter('audit_collect_bytes_uploaded', 'bytes', 'Compressed bytes uploaded to S3, per rule');
  const requests = meter.createCounter('audit_collect_api_requests', 'requests', 'Atlassian events-stream requests, by org and HTTP status');
  const lag = meter.createGauge('audit_collect_lag_seconds', 'float', 's', "Now minus the rule's last processedAt, after its last object");
  return {
    apiResponse({ orgId, status }) {
      requests.add(1, { org_id: orgId, status: String(status) });
    },
    objectWritten({ ruleId, events: n, bytes: b, lastProcessedAt, nowMs }) {
      events.add(n, { rule_id: ruleId });
      bytes.add(b, { rule_id: ruleId });
      if (lastProcessedAt) lag.set(Math.max(0, (nowMs - Date.parse(lastProcessedAt)) / 1000), { rule_id: ruleId });
    },
  };
}
