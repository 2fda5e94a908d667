// The table and target lines of `npm run bench -- --paced`, and its section of docs/benchmarks.md.
import { median } from '../shared/proc';
import type { BackfillFigures } from './backfill';
import type { CatchupFigures } from './catchup';

export const LIMIT_PER_MINUTE = 50;
export const PAGE_EVENTS = 500;
/** The org's ceiling: a full page per request, 50 requests a minute. */
export const CEILING_EVENTS_PER_SECOND = (LIMIT_PER_MINUTE * PAGE_EVENTS) / 60;
const TARGET_SHARE = 0.95;
/**
 * The simulated Jira site's budget. Atlassian documents no number for the site audit endpoints
 * (docs/site-audit-apis.md), so the site simulator's `--requests-per-minute` stands for the site's
 * limit: the same 50 as the worker's pacing, which paces each site as it paces each org.
 */
export const SITE_LIMIT_PER_MINUTE = 50;
/** Records a site page asks for: the worker's AUDIT_COLLECT_PAGE_LIMIT default (a Jira page could hold 1000). */
export const SITE_PAGE_RECORDS = 500;
export const SITE_CEILING_RECORDS_PER_SECOND = (SITE_LIMIT_PER_MINUTE * SITE_PAGE_RECORDS) / 60;

export interface PacedReport {
  catchup: CatchupFigures;
  backfill: BackfillFigures;
  /** The Jira site catch-up (`events` are its records); absent with --site-records 0. */
  site?: CatchupFigures;
  machine: string;
  command: string;
  date: string;
}

const START = '<!-- bench:paced -->';
const END = '<!-- /bench:paced -->';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (n: number) => `${(100 * n).toFixed(1)} %`;
const secs = (ms: number) => (ms / 1000).toFixed(1);

export function catchupRate(r: PacedReport): number {
  return r.catchup.events / (r.catchup.wallMs / 1000);
}

export function backfillRate(r: PacedReport): number {
  return (r.backfill.backfillEvents + r.backfill.liveEvents) / (r.backfill.wallMs / 1000);
}

/** Records a second of a site catch-up, and their share of the site's ceiling. */
export function siteRate(site: CatchupFigures): { perSecond: number; share: number } {
  const perSecond = site.events / (site.wallMs / 1000);
  return { perSecond, share: perSecond / SITE_CEILING_RECORDS_PER_SECOND };
}

const perMinuteCell = (f: CatchupFigures['requests'], limit: number) =>
  f.wholeMinutes === 0
    ? 'no whole minute (too short a run)'
    : `${f.perMinute.toFixed(1)} (${pct(f.perMinute / limit)}) over ${f.wholeMinutes} whole minutes`;

/** The Jira site catch-up's cells, row by row as renderTable's rows. */
function siteCells(site: CatchupFigures): string[] {
  const { perSecond, share } = siteRate(site);
  return [
    `${int(site.events)} records`,
    secs(site.wallMs),
    `${perMinuteCell(site.requests, SITE_LIMIT_PER_MINUTE)} (vs ${SITE_LIMIT_PER_MINUTE})`,
    `${int(perSecond)} records/s (${pct(share)} of ${SITE_CEILING_RECORDS_PER_SECOND.toFixed(1)})`,
    `${int(site.requests.requests)} / ${site.requests.rateLimited}`,
    (site.peakRssBytes / 1e6).toFixed(1),
    site.cpuSeconds.toFixed(1),
    `${site.runs} collect`,
    '–',
    '–',
    '–',
  ];
}

const SITE_HEADER = `Jira site catch-up, limit ${SITE_LIMIT_PER_MINUTE} requests/min`;

/** The site phase alone (a run with --skip-org). */
export function renderSiteTable(site: CatchupFigures): string {
  const names = ['records', 'wall s', 'Jira audit requests/min', 'records/s vs ceiling', 'requests / answered 429'];
  names.push('worker peak RSS MB', 'worker CPU s', 'runs');
  const cells = siteCells(site);
  return [`| one Jira site | ${SITE_HEADER} |`, '| --- | ---: |', ...names.map((name, i) => `| ${name} | ${cells[i]} |`)].join('\n');
}

function lateness(b: BackfillFigures): number[] {
  return b.live.map((run) => run.latenessMs ?? Number.POSITIVE_INFINITY);
}

export function renderTable(r: PacedReport): string {
  const { catchup: c, backfill: b } = r;
  const late = lateness(b);
  const site = r.site ? siteCells(r.site) : undefined;
  let at = 0;
  const row = (name: string, left: string, right: string) => `| ${name} | ${left} | ${right} |${site ? ` ${site[at++]} |` : ''}`;
  const perMinute = (f: CatchupFigures['requests']) => perMinuteCell(f, LIMIT_PER_MINUTE);
  const skipped = b.skippedOverlap + b.missedCatchup + Math.max(0, b.expectedRuns - b.live.length);
  return [
    `| one org, limit ${LIMIT_PER_MINUTE} requests/min | catch-up | backfill + live |${site ? ` ${SITE_HEADER} |` : ''}`,
    `| --- | ---: | ---: |${site ? ' ---: |' : ''}`,
    row('events', int(c.events), `${int(b.backfillEvents)} backfill + ${int(b.liveEvents)} live`),
    row('wall s', secs(c.wallMs), secs(b.wallMs)),
    row(`events-stream requests/min vs ${LIMIT_PER_MINUTE}`, perMinute(c.requests), perMinute(b.requests)),
    row(
      `events/s vs ${CEILING_EVENTS_PER_SECOND.toFixed(1)}`,
      `${int(catchupRate(r))} (${pct(catchupRate(r) / CEILING_EVENTS_PER_SECOND)})`,
      `${int(backfillRate(r))} (${pct(backfillRate(r) / CEILING_EVENTS_PER_SECOND)})`,
    ),
    row(
      'requests / answered 429',
      `${int(c.requests.requests)} / ${c.requests.rateLimited}`,
      `${int(b.requests.requests)} / ${b.requests.rateLimited}`,
    ),
    row('worker peak RSS MB', (c.peakRssBytes / 1e6).toFixed(1), (b.peakRssBytes / 1e6).toFixed(1)),
    row('worker CPU s', c.cpuSeconds.toFixed(1), b.cpuSeconds.toFixed(1)),
    row(
      'runs',
      `${c.runs} collect`,
      `${b.slices} slices, ${b.concurrency} at a time; ${b.live.length} live runs every ${secs(b.intervalMs)} s`,
    ),
    row('live runs skipped', '–', String(skipped)),
    row('live run lateness s: median / max', '–', `${secs(median(late))} / ${secs(Math.max(...late))}`),
    row('first live run after the backfill started: lateness s', '–', b.live[0] ? secs(late[0]!) : 'none'),
  ].join('\n');
}

export function targetLines(r: PacedReport): string[] {
  const { catchup: c, backfill: b } = r;
  const met = (ok: boolean) => (ok ? 'met' : 'not met');
  const cShare = catchupRate(r) / CEILING_EVENTS_PER_SECOND;
  const bShare = backfillRate(r) / CEILING_EVENTS_PER_SECOND;
  const worst = Math.max(...lateness(b));
  const skipped = b.skippedOverlap + b.missedCatchup + Math.max(0, b.expectedRuns - b.live.length);
  return [
    `- paced catch-up ≥ 95 % of the org ceiling with no 429: ${pct(cShare)}, ${c.requests.rateLimited} × 429 (${met(cShare >= TARGET_SHARE && c.requests.rateLimited === 0)})`,
    `- backfill + live ≥ 95 % of the ceiling together: ${pct(bShare)}, ${b.requests.rateLimited} × 429 (${met(bShare >= TARGET_SHARE)})`,
    `- live runs never late by more than one interval (${secs(b.intervalMs)} s): worst ${secs(worst)} s, ${skipped} skipped (${met(worst <= b.intervalMs && skipped === 0 && b.live.length > 0)})`,
    ...(r.site ? siteLines(r.site) : []),
  ];
}

/** The site phase's figure: no target, since the limit is the simulator's, not a documented one. */
export function siteLines(site: CatchupFigures): string[] {
  const { share } = siteRate(site);
  return [
    `- paced Jira site catch-up: ${pct(share)} of the site ceiling (${SITE_LIMIT_PER_MINUTE} × ${SITE_PAGE_RECORDS} / 60), ${site.requests.wholeMinutes === 0 ? 'no whole minute' : site.requests.perMinute.toFixed(1)} requests/min vs ${SITE_LIMIT_PER_MINUTE}, ${site.requests.rateLimited} × 429`,
  ];
}

export function liveRunLines(b: BackfillFigures): string[] {
  return b.live.map(
    (run) =>
      `  ${new Date(run.scheduledMs).toISOString()} scheduled, closed ${run.closeMs === undefined ? 'not yet' : `${secs(run.latenessMs!)} s later`}`,
  );
}

export function section(r: PacedReport): string {
  return [
    START,
    '## One org paced: catch-up, and a backfill beside live collection',
    '',
    `Measured ${r.date} with \`${r.command}\`: one \`audit-collect worker\` with pacing on (its default`,
    `\`AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE=50\`), the simulator enforcing ${LIMIT_PER_MINUTE} events-stream requests a minute`,
    'per org in fixed UTC-minute windows. Requests/min are the requests served in the whole minutes of each',
    'phase (the simulator counts them); events/s use the wall time (catch-up: first run start to last run',
    `close; backfill: the backfill workflow's start to close), against the ceiling of ${LIMIT_PER_MINUTE} × ${PAGE_EVENTS} / 60 ≈ ${CEILING_EVENTS_PER_SECOND.toFixed(1)} events/s.`,
    'Each phase starts at the top of a UTC minute, so that it has every window it spans to itself.',
    "A live run's lateness is its close time less the time its schedule fired it.",
    ...(r.site
      ? [
          '',
          `The Jira site column is a catch-up of one \`source: jira-site\` rule over ${int(r.site.events)} records (three days of`,
          'them) through the same worker, against the site simulator (`dev/simulator/site-cli.ts`) with a budget of',
          `${SITE_LIMIT_PER_MINUTE} audit requests a minute in fixed UTC-minute windows. Atlassian documents no number for the site audit`,
          `endpoints (docs/site-audit-apis.md), so that budget is the limit here: the site's "documented" limit is the`,
          `simulator's. The worker paces each site as each org (${SITE_LIMIT_PER_MINUTE} a minute) and asks for ${SITE_PAGE_RECORDS} records a page`,
          `(\`AUDIT_COLLECT_PAGE_LIMIT\`; Jira would serve up to 1000), so the ceiling is ${SITE_LIMIT_PER_MINUTE} × ${SITE_PAGE_RECORDS} / 60 ≈ ${SITE_CEILING_RECORDS_PER_SECOND.toFixed(1)} records/s.`,
          "Its requests are the simulator's (`GET /_sim/stats`), counted as the org's.",
        ]
      : []),
    '',
    renderTable(r),
    '',
    ...targetLines(r),
    '',
    'Before a backfill batch stopped asking for pages once its 5,000-event object was full (`src/pipeline/read-pages.ts`), every backfill object cost one request more, whose page was thrown away and read again: backfill + live then got 89 % of the ceiling from 98.9 % of the requests.',
    '',
    'Live runs scheduled while the backfill ran:',
    '',
    '```',
    ...liveRunLines(r.backfill).map((l) => l.trim()),
    '```',
    '',
    `Machine: ${r.machine}`,
    END,
  ].join('\n');
}

/** Replaces the paced section, or puts it before the per-event-count results. */
export function mergeSection(doc: string, r: PacedReport): string {
  const text = section(r);
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start >= 0 && end > start) return doc.slice(0, start) + text + doc.slice(end + END.length);
  const results = doc.indexOf('<!-- bench:results -->');
  if (results >= 0) return `${doc.slice(0, results)}${text}\n\n${doc.slice(results)}`;
  return `${doc.trimEnd()}\n\n${text}\n`;
}
