// audit_collect_build_info{version,commit} 1 in Prometheus text, appended to what /metrics serves:
// which build each worker runs, e.g. during a rolling upgrade.
import type { BuildInfo } from '../common/build-info';

export const BUILD_INFO_METRIC = 'audit_collect_build_info';

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function buildInfoMetricText(info: BuildInfo): string {
  return [
    `# HELP ${BUILD_INFO_METRIC} The version and git commit of the audit-collect build this worker runs (always 1)`,
    `# TYPE ${BUILD_INFO_METRIC} gauge`,
    `${BUILD_INFO_METRIC}{version="${escapeLabel(info.version)}",commit="${escapeLabel(info.commit)}"} 1`,
    '',
  ].join('\n');
}
