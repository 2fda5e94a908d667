// npm run bench -- --fleet: many rules over many simulated orgs on one worker, then on two. Reports
// the fleet's first catch-up, then steady state: schedule-to-start delay, idle-run wall time,
// worker memory and CPU, history events and Temporal Cloud billable actions per rule per day.
// Figures only: nothing here asserts on time.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { connectClient } from '../../../src/temporal/client';
import { loadRules } from '../../../src/client/rules';
import { applyRules } from '../../../src/client/schedules';
import { phaseOffsetMs } from '../../../src/client/schedules/phase';
import { parseDuration } from '../../../src/model/duration';
import { scheduleId } from '../../../src/model/ids';
import { machine, stopChild } from '../shared/children';
import { mergeIntoDoc } from '../shared/doc';
import { catchUp } from './catchup';
import { kneeOf, mergeFleet, renderFleet, type FleetReport } from './report';
import { startFleetWorld } from './setup';
import { measureWindow, windowLine, type WindowFigures } from './window';
import { UsageError, wholeNumber } from '../shared/options';
import { sampleProcess } from '../shared/proc';

const HELP = `Usage: npm run bench -- --fleet [options]

N rules over M simulated orgs (rule n collects org n mod M), every interval, on one worker and then
on two. Prints and writes to docs/benchmarks.md: the first catch-up of the whole fleet, then per
steady-state window schedule-to-start delay, idle-run wall time, worker RSS and CPU, history
events and Temporal Cloud billable actions per rule per day. The simulator enforces 50
events-stream requests a minute per org. Everything listens on 127.0.0.1.

Options:
  --rules N          rules (default 500)
  --orgs N           simulated orgs (default 100)
  --org-events N     events in each org before the first catch-up (default 2000)
  --interval D       the rules' interval (default 5m)
  --window D         each steady-state window (default two intervals)
  --aligned          also measure one worker with every schedule firing at the same instant
                     (no per-rule offset), as schedules did before
  --ramp             also shorten the interval step by step on one worker (60s, 30s, 15s, 10s)
                     until p99 start delay passes 30 s or RSS 1 GB: where the knee is
  --profile          measure the steady state with a fresh worker 1 writing a V8 CPU profile
                     to the log directory (summarise it with dev/bench/shared/profile-summary.ts)
  --node PATH        the Node binary the workers run on (default: the one running this)
  --port-offset N    added to the ports (default $AUDIT_COLLECT_BENCH_PORT_OFFSET or 0)
  --no-write         print without writing docs/benchmarks.md
  -h, --help         this text`;

const RAMP_SECONDS = [60, 30, 15, 10];
/** Rewriting every schedule for the next ramp step takes seconds; minutes means the server is saturated. */
const RESPACE_WITHIN_MS = 3 * 60_000;
const log = (line: string) => console.error(`bench --fleet: ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rules: { type: 'string' },
      orgs: { type: 'string' },
      'org-events': { type: 'string' },
      interval: { type: 'string' },
      window: { type: 'string' },
      aligned: { type: 'boolean' },
      ramp: { type: 'boolean' },
      profile: { type: 'boolean' },
      node: { type: 'string' },
      'port-offset': { type: 'string' },
      'no-write': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const int = (name: string, value: string | undefined, fallback: number, min: number) => wholeNumber({ name, value, fallback, min });
  const duration = (name: string, value: string, min: number) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms < min)
      throw new UsageError(`--${name} must be a duration of at least ${min / 1000}s such as 5m, not '${value}'`);
    return ms;
  };
  const interval = values.interval ?? '5m';
  const intervalMs = duration('interval', interval, 60_000);
  const rules = int('rules', values.rules, 500, 1);
  return {
    rules,
    orgs: Math.min(int('orgs', values.orgs, 100, 1), rules),
    orgEvents: int('org-events', values['org-events'], 2000, 1),
    interval,
    intervalMs,
    windowMs: values.window ? duration('window', values.window, 30_000) : 2 * intervalMs,
    aligned: values.aligned ?? false,
    ramp: values.ramp ?? false,
    profile: values.profile ?? false,
    node: values.node,
    portOffset: int('port-offset', values['port-offset'] ?? process.env.AUDIT_COLLECT_BENCH_PORT_OFFSET, 0, 0),
    write: !values['no-write'],
  };
}

/**
 * Rewrites every rule's schedule to fire every `everyMs`, at its own offset or (aligned) all at once.
 * A server too busy to answer even after retries means false: the fleet is past what it can carry.
 */
async function respace(params: { client: Client; ruleIds: string[]; everyMs: number; aligned: boolean }): Promise<boolean> {
  const deadline = Date.now() + RESPACE_WITHIN_MS;
  for (const ruleId of params.ruleIds) {
    if (Date.now() > deadline) {
      log(`the schedules could not all be updated within ${RESPACE_WITHIN_MS / 1000} s: the server is past what it can carry`);
      return false;
    }
    const offset = params.aligned ? 0 : phaseOffsetMs({ ruleId, intervalMs: params.everyMs });
    const update = () =>
      params.client.schedule
        .getHandle(scheduleId(ruleId))
        .update((previous) => ({ ...previous, spec: { intervals: [{ every: params.everyMs as Duration, offset }] } }));
    for (let attempt = 1; ; attempt++) {
      try {
        await update();
        break;
      } catch (error) {
        if (attempt === 3) {
          log(`could not update the schedule of ${ruleId}: ${(error as Error).message}`);
          return false;
        }
        await sleep(5_000 * attempt);
      }
    }
  }
  return true;
}

/** The command that reproduces this run: its options as given, without where it listened or wrote. */
function commandOf(o: NonNullable<ReturnType<typeof parseOptions>>): string {
  const flags = [`--rules ${o.rules}`, `--orgs ${o.orgs}`, `--org-events ${o.orgEvents}`, `--interval ${o.interval}`];
  if (o.windowMs !== 2 * o.intervalMs) flags.push(`--window ${o.windowMs / 1000}s`);
  if (o.aligned) flags.push('--aligned');
  if (o.ramp) flags.push('--ramp');
  return `npm run bench -- --fleet ${flags.join(' ')}`;
}

async function simStats(simUrl: string): Promise<{ requests: number; rateLimited: number }> {
  const stats = (await (await fetch(`${simUrl}/_sim/stats`)).json()) as {
    requests: Record<string, number>;
    rateLimited: Record<string, number>;
  };
  return { requests: stats.requests['events-stream'] ?? 0, rateLimited: stats.rateLimited['events-stream'] ?? 0 };
}

export async function runFleet(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`bench --fleet: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (!options) {
    console.log(HELP);
    return 0;
  }
  const { rules, orgs, orgEvents, interval, intervalMs, windowMs } = options;
  const world = await startFleetWorld({
    shape: { rules, orgs, orgEvents, interval },
    portOffset: options.portOffset,
    node: options.node,
    log,
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void world.stop().then(() => process.exit(130)));
  try {
    Object.assign(process.env, world.env);
    const client = await connectClient();
    const applyFrom = Date.now();
    await applyRules({ client, rules: loadRules(world.rulesFile), prune: false });
    const applySeconds = (Date.now() - applyFrom) / 1000;
    log(`applied ${rules} rules in ${applySeconds.toFixed(0)} s; starting worker 1`);
    let first = await world.startWorker(1);
    const cpu0 = sampleProcess(first.pid!).cpuSeconds;
    const stats0 = await simStats(world.simUrl);
    const caught = await catchUp({ client, ruleIds: world.ruleIds, orgEvents, log });
    const stats1 = await simStats(world.simUrl);
    const after = sampleProcess(first.pid!);
    const catchUpFigures = {
      ...caught,
      peakRssBytes: after.peakRssBytes,
      cpuSeconds: after.cpuSeconds - cpu0,
      requests: stats1.requests - stats0.requests,
      rateLimited: stats1.rateLimited - stats0.rateLimited,
    };
    log(`catch-up: ${JSON.stringify(catchUpFigures)}`);
    const measure = (label: string, workers: (typeof first)[], everyMs = intervalMs, ms = windowMs) =>
      measureWindow({
        label,
        client,
        workers,
        serverPid: world.temporal.pid,
        temporalMetricsUrl: world.temporalMetricsUrl,
        rules,
        intervalMs: everyMs,
        windowMs: ms,
        log,
      }).then((w) => (log(windowLine(w)), w));

    if (options.profile) {
      await stopChild(first, 'SIGTERM');
      first = await world.startWorker(1, ['--cpu-prof', `--cpu-prof-dir=${join(world.dir, 'profiles')}`]);
    }
    // The runs the catch-up's triggers displaced settle within an interval.
    await sleep(Math.min(intervalMs, 60_000));
    const windows: WindowFigures[] = [await measure('one worker', [first])];
    const second = await world.startWorker(2);
    await sleep(10_000);
    windows.push(await measure('two workers', [first, second]));
    await stopChild(second, 'SIGTERM');
    if (options.aligned) {
      await respace({ client, ruleIds: world.ruleIds, everyMs: intervalMs, aligned: true });
      await sleep(intervalMs);
      windows.push(await measure('one worker, aligned schedules (before)', [first]));
      await respace({ client, ruleIds: world.ruleIds, everyMs: intervalMs, aligned: false });
    }
    const ramp: WindowFigures[] = [];
    for (const seconds of options.ramp ? RAMP_SECONDS : []) {
      if (!(await respace({ client, ruleIds: world.ruleIds, everyMs: seconds * 1000, aligned: false }))) break;
      await sleep(seconds * 1000);
      // A server too busy to answer is past the knee too: report what was measured.
      const w = await measure(`every ${seconds} s`, [first], seconds * 1000, Math.max(120_000, 3 * seconds * 1000)).catch(
        (error: Error) => {
          log(`the ramp stops: ${error.message}`);
          return undefined;
        },
      );
      if (!w) break;
      ramp.push(w);
      if (kneeOf([w])) break;
    }

    const report: FleetReport = {
      rules,
      orgs,
      orgEvents,
      interval,
      command: commandOf(options),
      date: new Date().toISOString().slice(0, 10),
      machine: `${machine()}; workers on Node ${spawnSync(options.node ?? process.execPath, ['--version'], { encoding: 'utf8' }).stdout.trim()}`,
      applySeconds,
      catchUp: catchUpFigures,
      windows,
      ramp,
    };
    writeFileSync(join(world.dir, 'fleet-report.json'), JSON.stringify(report, null, 2));
    const section = renderFleet(report);
    console.log(`\n${section}\n`);
    mergeIntoDoc({ merge: (doc) => mergeFleet(doc, section), write: options.write, log });
    return 0;
  } finally {
    await world.stop();
  }
}
