// audit_collect_lag_seconds in Prometheus text, written at scrape time: the SDK's meter only holds
// gauges as last set, and a lag set once per object would stand still while a rule is stuck.
import type { LagSample } from '../activities/metrics';

export const LAG_METRIC = 'audit_collect_lag_seconds';

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function lagMetricText(samples: readonly LagSample[]): string {
  const lines = [
    `# HELP ${LAG_METRIC} Now minus the rule's last processedAt written by this worker, at scrape time`,
    `# TYPE ${LAG_METRIC} gauge`,
    ...samples.map(({ ruleId, seconds }) => `${LAG_METRIC}{rule_id="${escapeLabel(ruleId)}"} ${Number(seconds.toFixed(3))}`),
  ];
  return lines.join('\n') + '\n';
}

/** The SDK's exposition with the lag appended. */
export function withLag(params: { core: string; samples: readonly LagSample[] }): string {
  const { core, samples } = params;
  return `${core}${core === '' || core.endsWith('\n') ? '' : '\n'}${lagMetricText(samples)}`;
}
