// Turns measured figures into the benchmark's table and its section of docs/benchmarks.md.

export interface Figures {
  events: number;
  wallMs: number;
  rawBytes: number;
  bytes: number;
  cpuSeconds: number;
  peakRssBytes: number;
  /** S3 PUTs for the collector and the floor; files written for Grove. */
  writes: number;
  /** Temporal history events of the catch-up runs (collector only). */
  historyEvents?: number;
}

export interface IdleFigures {
  wallMs: number;
  historyEvents: number;
}

export interface BenchReport {
  events: number;
  runs: number;
  groveRuns: number;
  collector: Figures;
  floor: Figures;
  grove?: Figures;
  idle: IdleFigures;
  machine: string;
  command: string;
  date: string;
  pagesPerObject: number;
}

const MB = 1e6;

export const perSecond = (f: Figures) => f.events / (f.wallMs / 1000);

function fmt(value: number | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value >= 1000 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || !b ? '–' : `${(a / b).toFixed(2)}×`;
}

interface Row {
  label: string;
  value: (f: Figures) => number | undefined;
  digits?: number;
}

const ROWS: Row[] = [
  { label: 'events/s', value: perSecond, digits: 0 },
  { label: 'raw MB/s', value: (f) => f.rawBytes / MB / (f.wallMs / 1000) },
  { label: 'compressed MB/s', value: (f) => f.bytes / MB / (f.wallMs / 1000), digits: 2 },
  { label: 'compression ratio', value: (f) => f.rawBytes / f.bytes },
  { label: 'wall s', value: (f) => f.wallMs / 1000, digits: 2 },
  { label: 'peak RSS MB', value: (f) => f.peakRssBytes / MB },
  { label: 'CPU s', value: (f) => f.cpuSeconds, digits: 2 },
  { label: 'S3 PUTs (Grove: files)', value: (f) => f.writes, digits: 0 },
  {
    label: 'history events / 10k events',
    value: (f) => (f.historyEvents === undefined ? undefined : (f.historyEvents / f.events) * 10_000),
  },
];

/** The side-by-side table, in Markdown (it reads as plain text too). */
export function renderTable(r: BenchReport): string {
  const lines = [
    '| per run (median) | collector | floor | Grove | collector/floor | collector/Grove |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of ROWS) {
    const c = row.value(r.collector);
    const f = row.value(r.floor);
    const g = r.grove ? row.value(r.grove) : undefined;
    lines.push(
      `| ${row.label} | ${fmt(c, row.digits)} | ${fmt(f, row.digits)} | ${fmt(g, row.digits)} | ${ratio(c, f)} | ${ratio(c, g)} |`,
    );
  }
  lines.push(`| idle run: wall s / history events | ${fmt(r.idle.wallMs / 1000, 3)} / ${r.idle.historyEvents} | | | | |`);
  return lines.join('\n');
}

/** The targets of issue 5 that one run can judge. */
export function targetLines(r: BenchReport): string[] {
  const c = perSecond(r.collector);
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const lines = [
    `- collector ≥ 0.8 × floor events/s: ${(c / perSecond(r.floor)).toFixed(2)}× (${check(c >= 0.8 * perSecond(r.floor))})`,
    r.grove
      ? `- collector ≥ 5 × Grove events/s: ${(c / perSecond(r.grove)).toFixed(1)}× (${check(c >= 5 * perSecond(r.grove))})`
      : '- collector vs Grove: Grove not run',
    `- worker peak RSS < 300 MB: ${fmt(r.collector.peakRssBytes / MB)} MB (${check(r.collector.peakRssBytes < 300 * MB)})`,
    `- idle run ≤ 1 s and ≤ 15 history events: ${(r.idle.wallMs / 1000).toFixed(3)} s, ${r.idle.historyEvents} events (${check(r.idle.wallMs <= 1000 && r.idle.historyEvents <= 15)})`,
  ];
  return lines;
}

const begin = (events: number) => `<!-- bench:${events} -->`;
const end = (events: number) => `<!-- /bench:${events} -->`;

export function renderSection(r: BenchReport): string {
  return [
    begin(r.events),
    `### ${r.events.toLocaleString('en-US')} events`,
    '',
    `Measured ${r.date} with \`${r.command}\`: medians of ${r.runs} runs of the collector and the floor, ${r.groveRuns} of Grove; ${r.pagesPerObject} pages of 500 events per object.`,
    '',
    renderTable(r),
    '',
    ...targetLines(r),
    '',
    `Machine: ${r.machine}`,
    '',
    `<!-- data ${JSON.stringify({ events: r.events, workerPeakRssBytes: r.collector.peakRssBytes })} -->`,
    end(r.events),
  ].join('\n');
}

/** Replaces (or appends) this event count's section, keeping everything else in the document. */
export function mergeSection(doc: string, r: BenchReport): string {
  const section = renderSection(r);
  const from = doc.indexOf(begin(r.events));
  const to = doc.indexOf(end(r.events));
  if (from >= 0 && to > from) return doc.slice(0, from) + section + doc.slice(to + end(r.events).length);
  const marker = '<!-- bench:results -->';
  const at = doc.indexOf(marker);
  if (at >= 0) return doc.slice(0, at + marker.length) + '\n\n' + section + doc.slice(at + marker.length);
  return `${doc.trimEnd()}\n\n${section}\n`;
}

/** Worker peak RSS per event count, from every section in the document. */
export function peakRssByEvents(doc: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const match of doc.matchAll(/<!-- data (\{.*?\}) -->/g)) {
    const data = JSON.parse(match[1] ?? '{}') as { events: number; workerPeakRssBytes: number };
    out.set(data.events, data.workerPeakRssBytes);
  }
  return out;
}
