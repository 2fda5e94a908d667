import { median, parseStatCpuSeconds, parseStatusPeakRss } from '../../dev/bench/shared/proc';
import { mergeSection, peakRssByEvents, renderTable, type BenchReport, type Figures } from '../../dev/bench/single/report';

const figures = (events: number, wallMs: number, extra: Partial<Figures> = {}): Figures => ({
  events,
  wallMs,
  rawBytes: 110_000_000,
  bytes: 8_000_000,
  cpuSeconds: 5,
  peakRssBytes: 250_000_000,
  writes: 80,
  ...extra,
});

const report = (events: number, peakRssBytes: number): BenchReport => ({
  events,
  runs: 3,
  groveRuns: 1,
  collector: figures(events, 10_000, { historyEvents: 256, peakRssBytes }),
  floor: figures(events, 8_000),
  grove: figures(events, 50_000),
  idle: { wallMs: 120, historyEvents: 11 },
  machine: 'test machine',
  command: 'npm run bench',
  date: '2026-01-01',
  pagesPerObject: 10,
});

describe('bench proc parsing', () => {
  it('reads the peak RSS from /proc/<pid>/status', () => {
    expect(parseStatusPeakRss('Name:\tnode\nVmPeak:\t 999 kB\nVmHWM:\t  204800 kB\nVmRSS:\t 1000 kB\n')).toBe(204800 * 1024);
  });

  it('reads user + system CPU from /proc/<pid>/stat, even with spaces in the command name', () => {
    const stat = '1234 (node worker) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0 100 0 0';
    expect(parseStatCpuSeconds(stat)).toBe(3);
  });

  it('takes medians of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('bench report', () => {
  it('prints the ratios collector/floor and collector/Grove', () => {
    const table = renderTable(report(200_000, 250e6));
    expect(table).toMatch(/\| events\/s \| 20,000 \| 25,000 \| 4,000 \| 0\.80× \| 5\.00× \|/);
    expect(table).toContain('| history events / 10k events | 12.8 |');
    expect(table).toContain('0.120 / 11');
  });

  it('replaces the section of the same event count and keeps the others', () => {
    const doc = '# Benchmarks\n\nhand-written analysis\n\n<!-- bench:results -->\n';
    const once = mergeSection(doc, report(200_000, 250e6));
    const both = mergeSection(once, report(1_000_000, 280e6));
    const again = mergeSection(both, report(200_000, 260e6));
    expect(again).toContain('hand-written analysis');
    expect(again.match(/<!-- bench:200000 -->/g)).toHaveLength(1);
    expect(peakRssByEvents(again)).toEqual(
      new Map([
        [200_000, 260e6],
        [1_000_000, 280e6],
      ]),
    );
  });
});
