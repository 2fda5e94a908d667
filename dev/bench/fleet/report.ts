// The fleet benchmark's tables and target lines, and its section of docs/benchmarks.md.
import type { CatchUpFigures } from './catchup';
import type { WindowFigures } from './window';

export interface FleetReport {
  rules: number;
  orgs: number;
  orgEvents: number;
  interval: string;
  command: string;
  date: string;
  machine: string;
  applySeconds: number;
  catchUp: CatchUpFigures & { peakRssBytes: number; cpuSeconds: number; requests: number; rateLimited: number };
  windows: WindowFigures[];
  ramp: WindowFigures[];
}

/** One org's ceiling: 50 requests a minute × 500 events a page. */
export const ORG_CEILING_EVENTS_PER_S = (50 * 500) / 60;
const DAY_MS = 86_400_000;

const sec = (ms: number) => (ms / 1000).toFixed(2);
const mb = (bytes: number[]) => bytes.map((b) => (b / 1e6).toFixed(0)).join(' + ');
const pct = (values: number[]) => values.map((v) => v.toFixed(2)).join(' + ');
const int = (n: number) => Math.round(n).toLocaleString('en-US');

function windowTable(windows: WindowFigures[]): string {
  const rows: Array<[string, (w: WindowFigures) => string]> = [
    ['runs measured (not completed)', (w) => `${w.runs} (${w.failed})`],
    ['schedule-to-start p50 / p99 / max, s', (w) => `${sec(w.startDelayP50Ms)} / ${sec(w.startDelayP99Ms)} / ${sec(w.startDelayMaxMs)}`],
    ['idle run wall time p50 / p99, s', (w) => `${sec(w.wallP50Ms)} / ${sec(w.wallP99Ms)}`],
    ['worker RSS max, MB', (w) => mb(w.rssMaxBytes)],
    ['worker CPU, % of one core', (w) => pct(w.cpuPercent)],
    ['worker CPU s per hour', (w) => w.cpuPercent.map((c) => (c * 36).toFixed(0)).join(' + ')],
    ['Temporal dev server CPU, % of one core', (w) => w.serverCpuPercent.toFixed(1)],
    ['history events per run', (w) => w.historyEventsPerRun.toFixed(1)],
    ['billable actions per run', (w) => (w.actionsPerRun + w.heartbeatsPerRun).toFixed(2)],
    ['history events per rule per day', (w) => int((w.historyEventsPerRun * DAY_MS) / w.intervalMs)],
    ['billable actions per rule per day', (w) => int(((w.actionsPerRun + w.heartbeatsPerRun) * DAY_MS) / w.intervalMs)],
  ];
  const head = `| idle fleet | ${windows.map((w) => w.label).join(' | ')} |\n| --- |${windows.map(() => ' ---: |').join('')}`;
  return [head, ...rows.map(([name, f]) => `| ${name} | ${windows.map(f).join(' | ')} |`)].join('\n');
}

function rampTable(ramp: WindowFigures[]): string {
  const head =
    '| interval | runs a second | as rules at 5 m | start p50 / p99 s | run wall p99 s | worker RSS max MB | worker CPU % | server CPU % |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  const rows = ramp.map(
    (w) =>
      `| ${w.intervalMs / 1000} s | ${((w.rulesAt5m / 300) * 1).toFixed(1)} | ${int(w.rulesAt5m)} | ${sec(w.startDelayP50Ms)} / ${sec(w.startDelayP99Ms)} | ${sec(w.wallP99Ms)} | ${mb(w.rssMaxBytes)} | ${pct(w.cpuPercent)} | ${w.serverCpuPercent.toFixed(0)} |`,
  );
  return [head, ...rows].join('\n');
}

export function kneeOf(ramp: WindowFigures[]): WindowFigures | undefined {
  return ramp.find((w) => w.startDelayP99Ms > 30_000 || Math.max(...w.rssMaxBytes) > 1e9);
}

export function targetLines(r: FleetReport): string[] {
  const one = r.windows[0];
  if (!one) return [];
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const rss = Math.max(...one.rssMaxBytes);
  return [
    `- ${r.rules} idle rules on one worker, p99 schedule-to-start ≤ 5 s: ${sec(one.startDelayP99Ms)} s (${met(one.startDelayP99Ms <= 5_000)})`,
    `- worker RSS ≤ 400 MB: ${(rss / 1e6).toFixed(0)} MB (${met(rss <= 400e6)})`,
    `- worker under 2 % of one core: ${one.cpuPercent[0]!.toFixed(2)} % (${met(one.cpuPercent[0]! < 2)})`,
    `- ≤ 12 history events per idle run: ${one.historyEventsPerRun.toFixed(1)} (${met(one.historyEventsPerRun <= 12)})`,
    `- billable actions per idle run: ${(one.actionsPerRun + one.heartbeatsPerRun).toFixed(2)} (the design's floor is 4: see below)`,
  ];
}

export function renderFleet(r: FleetReport): string {
  const c = r.catchUp;
  const ceiling = r.orgs * ORG_CEILING_EVENTS_PER_S;
  const achieved = c.events / (c.wallMs / 1000);
  const knee = kneeOf(r.ramp);
  return [
    `### Fleet measured: ${int(r.rules)} rules over ${r.orgs} orgs, every ${r.interval}`,
    '',
    `Measured ${r.date} with \`${r.command}\`. ${r.machine}. \`apply\` of ${int(r.rules)} rules took ${r.applySeconds.toFixed(0)} s.`,
    '',
    windowTable(r.windows),
    '',
    ...targetLines(r),
    '',
    `**Initial catch-up**: ${int(c.rules)} rules triggered at once, ${int(r.orgEvents)} events in each org (${int(c.events)} events written in all, every org's events once per rule): all caught up in ${sec(c.wallMs)} s over ${int(c.runs)} runs, ${int(achieved)} events/s, ${((achieved / ceiling) * 100).toFixed(1)} % of the sum of the orgs' API ceilings (${r.orgs} × ${int(ORG_CEILING_EVENTS_PER_S)} = ${int(ceiling)} events/s); ${int(c.requests)} events-stream requests, ${int(c.rateLimited)} answered 429; worker peak RSS ${(c.peakRssBytes / 1e6).toFixed(0)} MB, ${c.cpuSeconds.toFixed(0)} CPU s.`,
    ...(r.ramp.length
      ? [
          '',
          `**Knee** (one worker, the same rules at shorter intervals: runs a second as a bigger fleet at 5 minutes would start them): ${knee ? `p99 start delay passes 30 s or RSS 1 GB at about ${int(knee.rulesAt5m)} rules at 5 minutes` : `not reached up to ${int(Math.max(...r.ramp.map((w) => w.rulesAt5m)))} rules at 5 minutes`}.`,
          '',
          rampTable(r.ramp),
        ]
      : []),
  ].join('\n');
}

/** Replaces the fleet section of the benchmarks document, or adds it before the paced or single-org results. */
export function mergeFleet(doc: string, section: string): string {
  const block = `<!-- bench:fleet -->\n${section}\n<!-- /bench:fleet -->`;
  const existing = /<!-- bench:fleet -->[\s\S]*?<!-- \/bench:fleet -->/;
  if (existing.test(doc)) return doc.replace(existing, block);
  const anchor = ['<!-- bench:paced -->', '<!-- bench:results -->'].find((a) => doc.includes(a));
  return anchor ? doc.replace(anchor, `${block}\n\n${anchor}`) : `${doc.trimEnd()}\n\n${block}\n`;
}
