import { runFigures, percentile } from '../../dev/bench/fleet/runs';
import { kneeOf, mergeFleet } from '../../dev/bench/fleet/report';
import type { WindowFigures } from '../../dev/bench/fleet/window';

const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
const scheduled = Date.UTC(2026, 11, 1, 12, 0, 17);
const startedEvent = {
  eventType: 1,
  eventTime: at(scheduled + 20),
  workflowExecutionStartedEventAttributes: {
    searchAttributes: {
      indexedFields: { TemporalScheduledStartTime: { data: Buffer.from(JSON.stringify(new Date(scheduled).toISOString())) } },
    },
  },
};
// An idle run as the collector's histories have it: start, task, one activity, task, complete.
const idle = [
  startedEvent,
  { eventType: 5, eventTime: at(scheduled + 21) },
  { eventType: 6, eventTime: at(scheduled + 40) },
  { eventType: 7, eventTime: at(scheduled + 45) },
  { eventType: 10, eventTime: at(scheduled + 45) },
  { eventType: 11, eventTime: at(scheduled + 50), activityTaskStartedEventAttributes: { attempt: 1 } },
  { eventType: 12, eventTime: at(scheduled + 90) },
  { eventType: 5, eventTime: at(scheduled + 90) },
  { eventType: 6, eventTime: at(scheduled + 95) },
  { eventType: 7, eventTime: at(scheduled + 99) },
  { eventType: 2, eventTime: at(scheduled + 100) },
];

describe('fleet benchmark: what a run costs', () => {
  test('an idle run: start delay from the scheduled time to the first workflow task, 11 events, 4 actions', () => {
    const run = runFigures({ workflowId: 'w', ruleId: 'r', events: idle as never });
    expect(run.firstTaskMs - run.scheduledMs).toBe(40);
    expect(run.closedMs - run.startedMs).toBe(80);
    expect(run).toMatchObject({ completed: true, historyEvents: 11, actions: 4, activities: 1 });
  });

  test('activity retries, timers and markers count; patch markers do not', () => {
    const events = [
      ...idle.slice(0, 5),
      { eventType: 25, markerRecordedEventAttributes: { markerName: 'core_patch' } },
      { eventType: 17 },
      { eventType: 25, markerRecordedEventAttributes: { markerName: 'core_local_activity' } },
      { eventType: 25, markerRecordedEventAttributes: { markerName: 'core_local_activity' } },
      { eventType: 11, activityTaskStartedEventAttributes: { attempt: 3 } },
      ...idle.slice(6),
    ];
    // 3 for the schedule and start, 3 attempts, 1 timer, 1 for the task's local-activity markers.
    expect(runFigures({ workflowId: 'w', ruleId: 'r', events: events as never }).actions).toBe(8);
  });

  test('percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, n) => n + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([5], 99)).toBe(5);
  });
});

describe('fleet benchmark: report', () => {
  const window = (p99: number, rss: number) => ({ startDelayP99Ms: p99, rssMaxBytes: [rss], rulesAt5m: 1 }) as WindowFigures;

  test('the knee is the first step past 30 s p99 start delay or 1 GB', () => {
    expect(kneeOf([window(1_000, 3e8), window(31_000, 3e8)])).toEqual(window(31_000, 3e8));
    expect(kneeOf([window(1_000, 1.1e9)])).toEqual(window(1_000, 1.1e9));
    expect(kneeOf([window(1_000, 3e8)])).toBeUndefined();
  });

  test('the section goes before the paced results, and replaces itself', () => {
    const doc = '# B\n\n<!-- bench:paced -->\np\n<!-- /bench:paced -->\n\n<!-- bench:results -->\n';
    const once = mergeFleet(doc, 'one');
    expect(once.indexOf('one')).toBeLessThan(once.indexOf('<!-- bench:paced -->'));
    const twice = mergeFleet(once, 'two');
    expect(twice).toContain('two');
    expect(twice).not.toContain('one');
    expect(twice.match(/<!-- bench:fleet -->/g)).toHaveLength(1);
  });
});
