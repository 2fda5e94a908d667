import { createCollectorMetrics, lagSamples } from '../../src/activities/metrics';
import { lagMetricText, withLag } from '../../src/worker/lag-metric';

const T = Date.parse('2026-12-01T12:00:00Z');
const written = (ruleId: string, lastProcessedAt: string | null) => ({ ruleId, events: 10, bytes: 100, lastProcessedAt, nowMs: T });

test('lag is computed when asked, from the last processedAt: it grows while no batch runs', () => {
  const metrics = createCollectorMetrics();
  metrics.objectWritten(written('acme', '2026-12-01T11:59:00Z'));
  expect(metrics.lag({ nowMs: T })).toEqual([{ ruleId: 'acme', seconds: 60 }]);
  expect(metrics.lag({ nowMs: T + 90_000 })).toEqual([{ ruleId: 'acme', seconds: 150 }]);
});

test('each rule keeps its furthest position; an empty read without one and older positions change nothing', () => {
  const metrics = createCollectorMetrics();
  metrics.objectWritten(written('beta', null));
  expect(metrics.lag({ nowMs: T })).toEqual([]);
  metrics.objectWritten(written('beta', '2026-12-01T11:50:00Z'));
  metrics.objectWritten(written('acme', '2026-12-01T11:59:30Z'));
  // A retried attempt resuming from older heartbeat details.
  metrics.objectWritten(written('beta', '2026-12-01T11:40:00Z'));
  expect(metrics.lag({ nowMs: T })).toEqual([
    { ruleId: 'acme', seconds: 30 },
    { ruleId: 'beta', seconds: 600 },
  ]);
});

test('lag is never negative (clocks of the API and the worker differ)', () => {
  expect(lagSamples({ lastProcessedMs: new Map([['acme', T + 5_000]]), nowMs: T })).toEqual([{ ruleId: 'acme', seconds: 0 }]);
});

test('the lag gauge in Prometheus text, appended to the SDK exposition', () => {
  const text = lagMetricText([{ ruleId: 'acme', seconds: 61.23456 }]);
  expect(text).toBe(
    [
      "# HELP audit_collect_lag_seconds Now minus the rule's last processedAt written by this worker, at scrape time",
      '# TYPE audit_collect_lag_seconds gauge',
      'audit_collect_lag_seconds{rule_id="acme"} 61.235',
      '',
    ].join('\n'),
  );
  expect(withLag({ core: 'temporal_x 1', samples: [] })).toBe(`temporal_x 1\n${lagMetricText([])}`);
  expect(withLag({ core: 'temporal_x 1\n', samples: [] })).toBe(`temporal_x 1\n${lagMetricText([])}`);
  expect(lagMetricText([{ ruleId: 'a"b\\c', seconds: 1 }])).toContain('rule_id="a\\"b\\\\c"');
});
