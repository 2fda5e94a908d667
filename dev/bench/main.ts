// npm run bench: throughput, memory and Temporal overhead of the collector, side by side with the
// floor (the same pipeline in a plain loop, no Temporal) and with HashiCorp Grove, on this machine.
// Starts its own Temporal dev server, S3 server and simulator on loopback, prints one table and
// writes it to docs/benchmarks.md. Figures only: nothing here asserts on time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { cacheDir } from '../infra/binaries';
import { ROOT, machine, runJson, startChild, stopChild, tsNode } from './shared/children';
import { mergeIntoDoc } from './shared/doc';
import { wholeNumber } from './shared/options';
import { ONE_ORG, Stops, benchPorts, oneRule, createBucket, startServers, startWorkerProcess, workerEnv } from './shared/world';
import { connectClient } from '../../src/temporal/client';
import { applyRules, triggerRule } from '../../src/client/schedules';
import type { CollectResult } from '../../src/model/types';
import type { FloorInput, FloorOutput } from './single/floor';
import { timeSplit, type TimeSplit } from './shared/history';
import { currentRss, median, sampleProcess } from './shared/proc';
import { mergeSection, peakRssByEvents, renderTable, targetLines, type BenchReport, type Figures, type IdleFigures } from './single/report';

const { orgId: ORG, simApiKey: SIM_API_KEY, apiKeyEnv: API_KEY_ENV, bucket: BUCKET } = ONE_ORG;
const PAGE_LIMIT = 500;
const PAGES_PER_OBJECT = 10;

const HELP = `Usage: npm run bench -- [options]
       npm run bench -- --fleet [options]   many rules over many orgs per worker (--fleet --help)
       npm run bench -- --paced [options]   one org's API budget, pacing on (--paced --help)

Collects N simulated events three ways on this machine and prints one table:
the collector (a worker process on Temporal), the floor (the same fetch → zstd → PutObject
pipeline in a plain loop, no Temporal) and HashiCorp Grove's Atlassian connector (over /events,
local file output). Also times an idle scheduled run. Writes the table to docs/benchmarks.md.
Everything listens on 127.0.0.1; nothing calls Atlassian or AWS.

Options:
  --events N        events in the simulated org (default 200000)
  --runs N          runs of the collector and the floor; the table shows medians (default 3)
  --grove-runs N    runs of Grove, the slowest part; 0 skips it (default 1)
  --port-offset N   added to the ports 27233, 28233, 27070, 28900, 29464 and 29480
                    (default $AUDIT_COLLECT_BENCH_PORT_OFFSET or 0)
  --no-write        print the table without writing docs/benchmarks.md
  --profile         write V8 CPU profiles of the worker and the floor to the log directory
  -h, --help        this text

The first run builds the Temporal CLI and versitygw (see README) and installs Grove
(dev/bench/single/requirements-grove.txt) into a Python venv in the cache directory.`;

interface Options {
  events: number;
  runs: number;
  groveRuns: number;
  portOffset: number;
  write: boolean;
  profile: boolean;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string' },
      runs: { type: 'string' },
      'grove-runs': { type: 'string' },
      'port-offset': { type: 'string' },
      'no-write': { type: 'boolean' },
      profile: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const int = (name: string, value: string | undefined, fallback: number, min: number) => wholeNumber({ name, value, fallback, min });
  return {
    events: int('events', values.events, 200_000, 1),
    runs: int('runs', values.runs, 3, 1),
    groveRuns: int('grove-runs', values['grove-runs'], 1, 0),
    portOffset: int('port-offset', values['port-offset'] ?? process.env.AUDIT_COLLECT_BENCH_PORT_OFFSET, 0, 0),
    write: !values['no-write'],
    profile: values.profile ?? false,
  };
}

const log = (line: string) => console.error(`bench: ${line}`);

function medianFigures(all: Figures[]): Figures {
  const m = (pick: (f: Figures) => number | undefined) => median(all.map(pick).filter((v): v is number => v !== undefined));
  const history = all.every((f) => f.historyEvents !== undefined) ? m((f) => f.historyEvents) : undefined;
  return {
    events: m((f) => f.events),
    wallMs: m((f) => f.wallMs),
    rawBytes: m((f) => f.rawBytes),
    bytes: m((f) => f.bytes),
    cpuSeconds: m((f) => f.cpuSeconds),
    peakRssBytes: m((f) => f.peakRssBytes),
    writes: m((f) => f.writes),
    historyEvents: history,
  };
}

/** Counts PUT requests in versitygw's request log (one line per request). */
function s3Puts(logFile: string): number {
  return (readFileSync(logFile, 'utf8').match(/\bPUT\b/g) ?? []).length;
}

interface Context {
  dir: string;
  client: Client;
  s3Log: string;
  simUrl: string;
  rawBytes: number;
  events: number;
  env: NodeJS.ProcessEnv;
  /** Node flags for the worker and the floor (CPU profiling). */
  nodeArgs: string[];
}

/** One collector run: a fresh rule over all events, a fresh worker process, until caught up. */
async function collectorRun(ctx: Context, index: number): Promise<{ figures: Figures; idle: IdleFigures }> {
  const ruleId = `bench-${index}`;
  const rules = oneRule({ dir: ctx.dir, simUrl: ctx.simUrl, ruleId, prefix: `collector/${ruleId}/`, interval: '24h', startFrom: '7d' });
  await applyRules({ client: ctx.client, rules, prune: false });
  const worker = await startWorkerProcess({
    name: 'worker',
    env: ctx.env,
    nodeArgs: ctx.nodeArgs,
    logFile: join(ctx.dir, `worker-${index}.log`),
  });
  try {
    const before = sampleProcess(worker.pid!);
    log(
      `  worker started: peak RSS ${(before.peakRssBytes / 1e6).toFixed(0)} MB, RSS now ${(currentRss(worker.pid!) / 1e6).toFixed(0)} MB, CPU ${before.cpuSeconds.toFixed(1)} s`,
    );
    const putsBefore = s3Puts(ctx.s3Log);
    const runs: Array<{ startedAt: string; closedAt: string; workflowId: string; runId: string; result: CollectResult }> = [];
    for (;;) {
      const outcome = await triggerRule({ client: ctx.client, ruleId, wait: true, timeoutMs: 60 * 60_000 });
      if (!outcome.started) throw new Error(`collector run not started: ${outcome.reason}`);
      const { run } = outcome;
      if (run.status !== 'COMPLETED' || !run.result || !run.closedAt)
        throw new Error(`collector run ${run.workflowId} ended ${run.status}: ${run.failure ?? ''}`);
      runs.push({ startedAt: run.startedAt, closedAt: run.closedAt, workflowId: run.workflowId, runId: run.runId, result: run.result });
      if (run.result.run.caughtUp) break;
    }
    const after = sampleProcess(worker.pid!);
    const puts = s3Puts(ctx.s3Log) - putsBefore;
    const last = runs.at(-1)!.result;
    if (last.totals.events !== ctx.events) throw new Error(`the collector wrote ${last.totals.events} events, not ${ctx.events}`);
    let historyEvents = 0;
    const split = { activityDispatchMs: 0, activityRunMs: 0, otherMs: 0, totalMs: 0 };
    for (const r of runs) {
      const history = (await ctx.client.workflow.getHandle(r.workflowId, r.runId).fetchHistory()).events ?? [];
      historyEvents += history.length;
      const s = timeSplit(history);
      for (const k of Object.keys(split) as Array<keyof TimeSplit>) split[k] += s[k];
    }
    log(
      `  run time: ${Math.round(split.activityRunMs)} ms in batch activities, ${Math.round(split.activityDispatchMs)} ms waiting for activity dispatch, ${Math.round(split.otherMs)} ms in workflow tasks and the rest`,
    );

    // The idle run: the schedule's next run finds no new events.
    const idleOutcome = await triggerRule({ client: ctx.client, ruleId, wait: true });
    if (!idleOutcome.started || !idleOutcome.run.closedAt || idleOutcome.run.result?.run.events !== 0)
      throw new Error('the idle run did not complete with 0 events');
    const idleHistory =
      (await ctx.client.workflow.getHandle(idleOutcome.run.workflowId, idleOutcome.run.runId).fetchHistory()).events?.length ?? 0;

    return {
      figures: {
        events: last.totals.events,
        wallMs: Date.parse(runs.at(-1)!.closedAt) - Date.parse(runs[0]!.startedAt),
        rawBytes: ctx.rawBytes,
        bytes: last.totals.bytes,
        cpuSeconds: after.cpuSeconds - before.cpuSeconds,
        peakRssBytes: after.peakRssBytes,
        writes: puts,
        historyEvents,
      },
      idle: { wallMs: Date.parse(idleOutcome.run.closedAt) - Date.parse(idleOutcome.run.startedAt), historyEvents: idleHistory },
    };
  } finally {
    await stopChild(worker);
  }
}

async function floorRun(ctx: Context, index: number): Promise<Figures> {
  const input: FloorInput = {
    connection: { name: 'sim', orgId: ORG, apiKeyRef: `env:${API_KEY_ENV}`, baseUrl: ctx.simUrl },
    apiKeyEnv: API_KEY_ENV,
    bucket: BUCKET,
    prefix: `floor/run-${index}/`,
    fromMs: Date.now() - 7 * 86_400_000,
    pageLimit: PAGE_LIMIT,
    pagesPerObject: PAGES_PER_OBJECT,
  };
  const { command, args } = tsNode(join(ROOT, 'dev', 'bench', 'single', 'floor.ts'), [JSON.stringify(input)], ctx.nodeArgs);
  const out = await runJson<FloorOutput>({ name: 'floor', command, args, env: ctx.env, logFile: join(ctx.dir, `floor-${index}.log`) });
  if (out.events !== ctx.events) throw new Error(`the floor wrote ${out.events} events, not ${ctx.events}`);
  return {
    events: out.events,
    wallMs: out.wallMs,
    rawBytes: out.rawBytes,
    bytes: out.bytes,
    cpuSeconds: out.cpuSeconds,
    peakRssBytes: out.peakRssBytes,
    writes: out.puts,
  };
}

function ensureGrove(): string {
  const venv = join(cacheDir(), 'grove-venv');
  const python = join(venv, 'bin', 'python');
  const requirements = join(ROOT, 'dev', 'bench', 'single', 'requirements-grove.txt');
  const stamp = join(venv, 'requirements.txt');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === readFileSync(requirements, 'utf8')) return python;
  log('installing Grove into a Python venv (first run only)...');
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) throw new Error(`'${command} ${args.join(' ')}' failed; Grove needs python3 with venv and pip`);
  };
  run('python3', ['-m', 'venv', venv]);
  run(python, ['-m', 'pip', 'install', '--quiet', '-r', requirements]);
  writeFileSync(stamp, readFileSync(requirements, 'utf8'));
  return python;
}

async function groveRun(ctx: Context, python: string, index: number): Promise<Figures> {
  const base = join(ctx.dir, `grove-${index}`);
  const [config, output] = [join(base, 'config'), join(base, 'output')];
  mkdirSync(config, { recursive: true });
  mkdirSync(output, { recursive: true });
  writeFileSync(
    join(config, 'atlassian.json'),
    JSON.stringify({ name: 'bench', identity: ORG, connector: 'atlassian_audit_events', key: SIM_API_KEY }),
  );
  const out = await runJson<{ events: number; bytes: number; wallMs: number; cpuSeconds: number; peakRssBytes: number; files?: number }>({
    name: 'grove',
    command: python,
    args: [join(ROOT, 'dev', 'bench', 'single', 'grove_runner.py'), ctx.simUrl],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GROVE_CONFIG_HANDLER: 'local_file',
      GROVE_CONFIG_LOCAL_FILE_PATH: config,
      GROVE_OUTPUT_HANDLER: 'local_file',
      GROVE_OUTPUT_LOCAL_FILE_PATH: output,
      GROVE_CACHE_HANDLER: 'local_memory',
    },
    logFile: join(ctx.dir, `grove-${index}.log`),
  });
  if (out.events !== ctx.events) log(`Grove wrote ${out.events} events of ${ctx.events}`);
  const files = spawnSync('find', [output, '-type', 'f'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).length;
  return {
    events: out.events,
    wallMs: out.wallMs,
    rawBytes: ctx.rawBytes,
    bytes: out.bytes,
    cpuSeconds: out.cpuSeconds,
    peakRssBytes: out.peakRssBytes,
    writes: files,
  };
}

/** The size of a response body, read as a stream (a million events' NDJSON is over 1 GB). */
async function countBytes(url: string): Promise<number> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`GET ${url} answered ${response.status}`);
  let bytes = 0;
  for await (const chunk of response.body) bytes += (chunk as Uint8Array).length;
  return bytes;
}

async function main(argv: string[]): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The production-shaped benchmarks: many rules per worker, and one org's API budget.
  if (argv[0] === '--fleet') return (await import('./fleet/main')).runFleet(argv.slice(1));
  if (argv[0] === '--paced') return (await import('./paced/main')).runPaced(argv.slice(1));
  let options: Options | undefined;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (!options) {
    console.log(HELP);
    return 0;
  }
  const { events, runs, groveRuns, portOffset } = options;
  const ports = benchPorts(portOffset);
  const python = groveRuns > 0 ? ensureGrove() : '';

  const stops = new Stops();
  const stopAll = () => stops.stopAll();
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    const { dir, s3 } = await startServers({
      name: 'bench',
      ports,
      stops,
      log,
      what: `the simulator with ${events.toLocaleString('en-US')} events`,
    });
    const sim = tsNode(
      join(ROOT, 'dev', 'simulator', 'cli.ts'),
      ['--port', String(ports.sim), '--events', String(events), '--rate-limit', '0', '--seed', '42'],
      [`--max-old-space-size=${Math.max(2048, Math.ceil(events / 1000) * 12)}`],
    );
    const simulator = await startChild({
      name: 'simulator',
      ...sim,
      env: { ...process.env, SIM_API_KEY },
      ready: /listening on/,
      timeoutMs: 10 * 60_000,
      logFile: join(dir, 'simulator.log'),
    });
    stops.push(() => stopChild(simulator, 'SIGTERM'));
    const simUrl = `http://127.0.0.1:${ports.sim}`;
    const servedBytes = await countBytes(`${simUrl}/_sim/orgs/${ORG}/events`);

    const env = workerEnv({
      ports,
      extra: {
        AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '0',
        AUDIT_COLLECT_PAGES_PER_OBJECT: String(PAGES_PER_OBJECT),
        AUDIT_COLLECT_PAGE_LIMIT: String(PAGE_LIMIT),
        [API_KEY_ENV]: SIM_API_KEY,
      },
    });
    Object.assign(process.env, { TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS });
    await createBucket({ env, bucket: BUCKET });
    const client = await connectClient();
    stops.push(() => client.connection.close());
    const ctx: Context = {
      dir,
      client,
      s3Log: s3.logFile,
      simUrl,
      rawBytes: servedBytes,
      events,
      env,
      nodeArgs: options.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'profiles')}`] : [],
    };

    const collector: Figures[] = [];
    const idle: IdleFigures[] = [];
    const floor: Figures[] = [];
    // Interleaved, so a slow spell of the machine hits both alike.
    for (let n = 1; n <= runs; n++) {
      log(`collector run ${n}/${runs}...`);
      const c = await collectorRun(ctx, n);
      collector.push(c.figures);
      idle.push(c.idle);
      log(
        `  ${Math.round(c.figures.events / (c.figures.wallMs / 1000))} events/s, idle run ${c.idle.wallMs} ms / ${c.idle.historyEvents} history events`,
      );
      log(`floor run ${n}/${runs}...`);
      const f = await floorRun(ctx, n);
      floor.push(f);
      log(`  ${Math.round(f.events / (f.wallMs / 1000))} events/s`);
    }
    const grove: Figures[] = [];
    for (let n = 1; n <= groveRuns; n++) {
      log(`Grove run ${n}/${groveRuns} (over /events, 30 events a page as Grove asks)...`);
      const g = await groveRun(ctx, python, n);
      grove.push(g);
      log(`  ${Math.round(g.events / (g.wallMs / 1000))} events/s`);
    }

    const command = `npm run bench -- --events ${events} --runs ${runs} --grove-runs ${groveRuns}`;
    const report: BenchReport = {
      events,
      runs,
      groveRuns,
      collector: medianFigures(collector),
      floor: medianFigures(floor),
      grove: grove.length ? medianFigures(grove) : undefined,
      idle: { wallMs: median(idle.map((i) => i.wallMs)), historyEvents: median(idle.map((i) => i.historyEvents)) },
      machine: machine(),
      command,
      date: new Date().toISOString().slice(0, 10),
      pagesPerObject: PAGES_PER_OBJECT,
    };
    console.log(`\n${events.toLocaleString('en-US')} events, ${command}\n\n${renderTable(report)}\n\n${targetLines(report).join('\n')}`);
    const merged = mergeIntoDoc({ merge: (doc) => mergeSection(doc, report), write: options.write, log });
    const rss = peakRssByEvents(merged);
    if (rss.has(200_000) && rss.has(1_000_000))
      console.log(`- worker peak RSS 1,000,000 / 200,000 events: ${(rss.get(1_000_000)! / rss.get(200_000)!).toFixed(2)}× (target ≤ 1.3×)`);
    return 0;
  } finally {
    await stopAll();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`bench: ${(error as Error).message}`);
    process.exit(1);
  },
);
