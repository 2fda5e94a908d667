// npm run bench -- --paced: one org's API budget with pacing on. A catch-up of one rule, then a
// backfill beside a live rule, against the simulator enforcing 50 requests a minute; prints a table
// and writes it to docs/benchmarks.md. Figures only: nothing here asserts on time.
import { UsageError } from '../shared/options';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../../src/model/duration';
import { machine } from '../shared/children';
import { mergeIntoDoc } from '../shared/doc';
import { catchUp } from './catchup';
import { backfillBesideLive } from './backfill';
import { mergeSection, renderTable, targetLines, liveRunLines, type PacedReport } from './report';
import { startPacedServers, rulesFor } from './servers';

const HELP = `Usage: npm run bench -- --paced [options]

One simulated org with pacing on (the worker's default AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE=50)
and the simulator enforcing 50 events-stream requests a minute (fixed UTC-minute windows):
  1. a catch-up of one rule over every event by one audit-collect worker;
  2. a backfill of the days before a live rule's start point while the live rule runs on its
     schedule and new events arrive every 25 s.
Prints requests/min, events/s against the ceiling 50 × 500 / 60 ≈ 416.7 events/s, 429s, the
worker's peak RSS and CPU, and each live run's lateness; writes the table to docs/benchmarks.md.
Everything listens on 127.0.0.1. Takes about 20 minutes with the defaults.

Options:
  --events N          events in the simulated org, spread over 8 days (default 200000)
  --backfill-days N   days the backfill reaches back from the live rule's start (default 7)
  --concurrency N     backfill slices at a time (default 4)
  --live-interval D   the live rule's interval, 1m or more (default 1m)
  --live-events N     events appended every 25 s during the backfill (default 250)
  --port-offset N     added to the ports 27233, 28233, 27070, 28900, 29464
                      (default $AUDIT_COLLECT_BENCH_PORT_OFFSET or 0)
  --no-write          print the table without writing docs/benchmarks.md
  -h, --help          this text`;

export interface PacedOptions {
  events: number;
  backfillDays: number;
  concurrency: number;
  liveInterval: string;
  liveEvents: number;
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
    portOffset: int('port-offset', values['port-offset'] ?? process.env.AUDIT_COLLECT_BENCH_PORT_OFFSET, 0, 0, 30_000),
    write: !values['no-write'],
  };
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
  const servers = await startPacedServers({ events: options.events, portOffset: options.portOffset, log });
  process.once('SIGINT', () => void servers.stop().then(() => process.exit(130)));
  try {
    const { client, worker, simUrl, orgId, dir } = servers;
    log(`catch-up of ${options.events.toLocaleString('en-US')} events, pacing on...`);
    const catchup = await catchUp({
      client,
      rules: rulesFor({ dir, simUrl, ruleId: 'paced-catchup', interval: '24h', startFrom: '9d' }),
      worker,
      simUrl,
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
    const defaults = options.events === 200_000 && options.backfillDays === 7 && options.concurrency === 4;
    const command =
      `npm run bench -- --paced` +
      (defaults ? '' : ` --events ${options.events} --backfill-days ${options.backfillDays} --concurrency ${options.concurrency}`) +
      (options.liveInterval === '1m' ? '' : ` --live-interval ${options.liveInterval}`) +
      (options.liveEvents === 250 ? '' : ` --live-events ${options.liveEvents}`);
    const report: PacedReport = { catchup, backfill, machine: machine(), command, date: new Date().toISOString().slice(0, 10) };
    const minutes = (label: string, m: typeof catchup.requests.minutes) =>
      `${label} per minute (served/429): ${m.map((x) => `${x.minute.slice(11, 16)} ${x.served}/${x.rateLimited}`).join(', ')}`;
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
