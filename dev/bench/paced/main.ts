// npm run bench -- --paced: one org's API budget with pacing on. A catch-up of one rule, then a
// backfill beside a live rule, against the simulator enforcing 50 requests a minute, then a catch-up
// of one Jira site rule against the site simulator's budget of 50 requests a minute; prints a table
// and writes it to docs/benchmarks.md. Figures only: nothing here asserts on time.
import { UsageError } from '../shared/options';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../../src/model/duration';
import { machine } from '../shared/children';
import { mergeIntoDoc } from '../shared/doc';
import { catchUp } from './catchup';
import { backfillBesideLive } from './backfill';
import {
  mergeSection,
  renderSiteTable,
  renderTable,
  siteLines,
  targetLines,
  liveRunLines,
  SITE_CEILING_RECORDS_PER_SECOND,
  SITE_LIMIT_PER_MINUTE,
  type PacedReport,
} from './report';
import { SITE, startPacedServers, rulesFor, siteRulesFor } from './servers';
import { orgCounter, siteCounter, type RequestFigures } from './stats';
import type { CatchupFigures } from './catchup';

const HELP = `Usage: npm run bench -- --paced [options]

One simulated org with pacing on (the worker's default AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE=50)
and the simulator enforcing 50 events-stream requests a minute (fixed UTC-minute windows):
  1. a catch-up of one rule over every event by one audit-collect worker;
  2. a backfill of the days before a live rule's start point while the live rule runs on its
     schedule and new events arrive every 25 s;
  3. a catch-up of one Jira site rule (source: jira-site) over --site-records records, against the
     site simulator (dev/simulator/site-cli.ts) with a budget of 50 audit requests a minute: Atlassian
     documents no number for site audit endpoints, so the simulator's budget stands for the limit.
Prints requests/min, events/s (records/s) against the ceiling 50 × 500 / 60 ≈ 416.7 a second, 429s, the
worker's peak RSS and CPU, and each live run's lateness; writes the table to docs/benchmarks.md.
Everything listens on 127.0.0.1. Takes about 20 minutes with the defaults.

Options:
  --events N          events in the simulated org, spread over 8 days (default 200000)
  --backfill-days N   days the backfill reaches back from the live rule's start (default 7)
  --concurrency N     backfill slices at a time (default 4)
  --live-interval D   the live rule's interval, 1m or more (default 1m)
  --live-events N     events appended every 25 s during the backfill (default 250)
  --site-records N    records in the simulated Jira site's audit log, over 3 days; 0 skips the site
                      phase (default 100000: enough for whole minutes at the limit)
  --skip-org          only the site phase (prints its table; writes nothing)
  --port-offset N     added to the ports 27233, 28233, 27070, 28900, 28910, 29464
                      (default $AUDIT_COLLECT_BENCH_PORT_OFFSET or 0)
  --no-write          print the table without writing docs/benchmarks.md
  -h, --help          this text`;

export interface PacedOptions {
  events: number;
  backfillDays: number;
  concurrency: number;
  liveInterval: string;
  liveEvents: number;
  siteRecords: number;
  skipOrg: boolean;
  portOffset: number;
  write: boolean;
}

export function parsePacedOptions(argv: string[]): PacedOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        events: { type: 'string' },
        'backfill-days': { type: 'string' },
        concurrency: { type: 'string' },
        'live-interval': { type: 'string' },
        'live-events': { type: 'string' },
        'site-records': { type: 'string' },
        'skip-org': { type: 'boolean' },
        'port-offset': { type: 'string' },
        'no-write': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return undefined;
  const int = (name: string, value: string | undefined, fallback: number, min: number, max: number) => {
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
      throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not '${value}'`);
    return Number(value);
  };
  const liveInterval = values['live-interval'] ?? '1m';
  if ((parseDuration(liveInterval) ?? 0) < 60_000)
    throw new UsageError(`--live-interval must be a duration of 1m or more such as 2m, not '${liveInterval}'`);
  return {
    events: int('events', values.events, 200_000, 1, 5_000_000),
    backfillDays: int('backfill-days', values['backfill-days'], 7, 1, 7),
    concurrency: int('concurrency', values.concurrency, 4, 1, 16),
    liveInterval,
    liveEvents: int('live-events', values['live-events'], 250, 1, 100_000),
    siteRecords: int('site-records', values['site-records'], 100_000, 0, 2_000_000),
    skipOrg: values['skip-org'] ?? false,
    portOffset: int('port-offset', values['port-offset'] ?? process.env.AUDIT_COLLECT_BENCH_PORT_OFFSET, 0, 0, 30_000),
    write: !values['no-write'] && !values['skip-org'],
  };
}

/** The command line a report names: the options that differ from the defaults. */
export function commandOf(options: PacedOptions): string {
  const defaults = options.events === 200_000 && options.backfillDays === 7 && options.concurrency === 4;
  return (
    `npm run bench -- --paced` +
    (defaults ? '' : ` --events ${options.events} --backfill-days ${options.backfillDays} --concurrency ${options.concurrency}`) +
    (options.liveInterval === '1m' ? '' : ` --live-interval ${options.liveInterval}`) +
    (options.liveEvents === 250 ? '' : ` --live-events ${options.liveEvents}`) +
    (options.siteRecords === 100_000 ? '' : ` --site-records ${options.siteRecords}`) +
    (options.skipOrg ? ' --skip-org' : '')
  );
}

const log = (line: string) => console.error(`bench --paced: ${line}`);

export async function runPaced(argv: string[]): Promise<number> {
  let options: PacedOptions | undefined;
  try {
    options = parsePacedOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench --paced: ${error.message}\n\n${HELP}`);
    return 2;
  }
  if (!options) {
    console.log(HELP);
    return 0;
  }
  if (options.skipOrg && options.siteRecords === 0) {
    console.error(`bench --paced: --skip-org with --site-records 0 leaves nothing to measure\n\n${HELP}`);
    return 2;
  }
  const servers = await startPacedServers({
    events: options.skipOrg ? 0 : options.events,
    siteRecords: options.siteRecords,
    portOffset: options.portOffset,
    log,
  });
  process.once('SIGINT', () => void servers.stop().then(() => process.exit(130)));
  try {
    const command = commandOf(options);
    const minutes = (label: string, m: RequestFigures['minutes']) =>
      `${label} per minute (served/429): ${m.map((x) => `${x.minute.slice(11, 16)} ${x.served}/${x.rateLimited}`).join(', ')}`;
    if (options.skipOrg) {
      const site = await siteCatchUp(servers, options.siteRecords);
      console.log(
        ['', command, '', renderSiteTable(site), '', ...siteLines(site), '', minutes('site catch-up', site.requests.minutes)].join('\n'),
      );
      return 0;
    }
    const { client, worker, orgId, dir } = servers;
    const simUrl = servers.simUrl!;
    log(`catch-up of ${options.events.toLocaleString('en-US')} events, pacing on...`);
    const catchup = await catchUp({
      client,
      rules: rulesFor({ dir, simUrl, ruleId: 'paced-catchup', interval: '24h', startFrom: '9d' }),
      worker,
      counter: orgCounter(simUrl),
      events: options.events,
      log,
    });
    log(`  ${Math.round(catchup.events / (catchup.wallMs / 1000))} events/s, ${catchup.requests.perMinute.toFixed(1)} requests/min`);
    log(
      `backfill of ${options.backfillDays} days, concurrency ${options.concurrency}, beside a live rule every ${options.liveInterval}...`,
    );
    const backfill = await backfillBesideLive({
      client,
      rules: rulesFor({ dir, simUrl, ruleId: 'paced-live', interval: options.liveInterval, startFrom: '1m' }),
      worker,
      simUrl,
      orgId,
      days: options.backfillDays,
      concurrency: options.concurrency,
      intervalMs: parseDuration(options.liveInterval)!,
      appendCount: options.liveEvents,
      log,
    });
    const site = servers.siteUrl ? await siteCatchUp(servers, options.siteRecords) : undefined;
    const report: PacedReport = { catchup, backfill, site, machine: machine(), command, date: new Date().toISOString().slice(0, 10) };
    console.log(
      [
        '',
        command,
        '',
        renderTable(report),
        '',
        ...targetLines(report),
        '',
        minutes('catch-up', catchup.requests.minutes),
        minutes('backfill + live', backfill.requests.minutes),
        ...(site ? [minutes('site catch-up', site.requests.minutes)] : []),
        'live runs during the backfill:',
        ...liveRunLines(backfill),
      ].join('\n'),
    );
    mergeIntoDoc({ merge: (doc) => mergeSection(doc, report), write: options.write, log });
    return 0;
  } finally {
    await servers.stop();
  }
}

/**
 * The site phase: a catch-up of one Jira site rule, at the top of a UTC minute. It waits until the site's seeded records
 * (which end a second before the simulator started) are older than the worker's settle window (60 s),
 * so that one catch-up reaches them all.
 */
async function siteCatchUp(servers: Awaited<ReturnType<typeof startPacedServers>>, records: number): Promise<CatchupFigures> {
  const { client, worker, dir } = servers;
  const siteUrl = servers.siteUrl!;
  const settledAt = servers.siteStartedMs + 62_000;
  if (Date.now() < settledAt) {
    log('waiting for the seeded site records to be older than the 60 s settle window...');
    await new Promise((resolve) => setTimeout(resolve, settledAt - Date.now()));
  }
  log(`Jira site catch-up of ${records.toLocaleString('en-US')} records, pacing on, site budget ${SITE_LIMIT_PER_MINUTE} requests/min...`);
  const site = await catchUp({
    client,
    rules: siteRulesFor({ dir, siteUrl, ruleId: 'paced-site', interval: '24h', startFrom: `${SITE.seedSpanDays + 1}d` }),
    worker,
    counter: siteCounter(siteUrl, 'jira'),
    events: records,
    log,
  });
  const perSecond = site.events / (site.wallMs / 1000);
  log(
    `  ${Math.round(perSecond)} records/s of ${SITE_CEILING_RECORDS_PER_SECOND.toFixed(1)}, ${site.requests.perMinute.toFixed(1)} requests/min, ${site.requests.rateLimited} × 429`,
  );
  return site;
}
