// A backfill beside live collection: a live rule runs on its schedule while new events arrive, and a
// backfill of the days before its start point shares the org's budget with it. Measures both
// together, and how late each live run scheduled during the backfill closed.
import type { ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { startBackfill } from '../../../src/client/backfill';
import type { RuleDefinition } from '../../../src/client/rules';
import { applyRules, pauseSchedule, triggerRule } from '../../../src/client/schedules';
import { ruleStatus } from '../../../src/client/status/status';
import { scheduleId } from '../../../src/model/ids';
import type { BackfillProgress } from '../../../src/model/backfill';
import type { CollectResult } from '../../../src/model/types';
import { sampleProcess } from '../shared/proc';
import { firesIn, liveRuns, requestFigures, simStats, streamTotals, untilNextMinute, type LiveRun, type RequestFigures } from './stats';

const DAY_MS = 86_400_000;
/** New events arrive this often while the backfill runs. */
const APPEND_EVERY_MS = 25_000;

export interface BackfillFigures {
  days: number;
  concurrency: number;
  slices: number;
  backfillEvents: number;
  liveEvents: number;
  wallMs: number;
  requests: RequestFigures;
  cpuSeconds: number;
  peakRssBytes: number;
  intervalMs: number;
  /** Live runs scheduled while the backfill ran, in order. */
  live: LiveRun[];
  expectedRuns: number;
  skippedOverlap: number;
  missedCatchup: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Appends `count` events to the simulated org every APPEND_EVERY_MS until stopped. */
function appender(params: { simUrl: string; orgId: string; count: number }): { stop(): Promise<void>; appended(): number } {
  let appended = 0;
  let pending: Promise<unknown> = Promise.resolve();
  const append = () => {
    pending = fetch(`${params.simUrl}/_sim/orgs/${params.orgId}/events`, { method: 'POST', body: JSON.stringify({ count: params.count }) })
      .then((r) => (r.ok ? (appended += params.count) : undefined))
      .catch(() => undefined);
  };
  append();
  const timer = setInterval(append, APPEND_EVERY_MS);
  return { stop: () => (clearInterval(timer), pending.then(() => undefined)), appended: () => appended };
}

/** The live rule's first completed run: triggered, or the schedule's own if that came first. */
async function firstLiveRun(client: Client, ruleId: string): Promise<CollectResult> {
  await triggerRule({ client, ruleId, wait: true });
  for (let n = 0; n < 600; n++) {
    const result = (await ruleStatus({ client, ruleId })).lastSuccess?.result;
    if (result) return result;
    await sleep(500);
  }
  throw new Error(`rule ${ruleId} completed no run; is the worker running?`);
}

/** The schedule's counts of runs not started, and its next fire time (the schedule's phase). */
async function scheduleCounts(client: Client, ruleId: string) {
  const { info } = await client.schedule.getHandle(scheduleId(ruleId)).describe();
  return {
    skipped: info.numActionsSkippedOverlap,
    missed: info.numActionsMissedCatchupWindow,
    nextMs: info.nextActionTimes[0]?.getTime() ?? 0,
  };
}

/** Waits until every run the schedule fired up to `untilMs` has closed; returns those from `fromMs` on. */
async function closedRuns(params: {
  client: Client;
  ruleId: string;
  fromMs: number;
  untilMs: number;
  expected: number;
  intervalMs: number;
}) {
  const deadline = Date.now() + 3 * params.intervalMs + 120_000;
  for (;;) {
    const runs = (await liveRuns(params)).filter((r) => r.scheduledMs >= params.fromMs && r.scheduledMs < params.untilMs);
    if (runs.length >= params.expected && runs.every((r) => r.closeMs !== undefined)) return runs;
    if (Date.now() > deadline) return runs;
    await sleep(2_000);
  }
}

export async function backfillBesideLive(params: {
  client: Client;
  rules: RuleDefinition[];
  worker: ChildProcess;
  simUrl: string;
  orgId: string;
  days: number;
  concurrency: number;
  intervalMs: number;
  appendCount: number;
  log: (line: string) => void;
}): Promise<BackfillFigures> {
  const { client, log } = params;
  const ruleId = params.rules[0]!.spec.id;
  await applyRules({ client, rules: params.rules, prune: false });
  const newEvents = appender({ simUrl: params.simUrl, orgId: params.orgId, count: params.appendCount });
  try {
    const first = await firstLiveRun(client, ruleId);
    log(`  live rule ${ruleId} started at ${new Date(first.startPointMs).toISOString()}; the backfill starts with the next minute`);
    await untilNextMinute();
    const countsBefore = await scheduleCounts(client, ruleId);
    const before = sampleProcess(params.worker.pid!);
    const totals = streamTotals(await simStats(params.simUrl));
    const started = await startBackfill({
      client,
      ruleId,
      fromMs: first.startPointMs - params.days * DAY_MS,
      toMs: first.startPointMs,
      concurrency: params.concurrency,
      allowOverlap: false,
    });
    const handle = client.workflow.getHandle(started.backfillId);
    const progress = (await handle.result()) as BackfillProgress;
    const after = sampleProcess(params.worker.pid!);
    const described = await handle.describe();
    const window = { fromMs: described.startTime.getTime(), toMs: (described.closeTime ?? new Date()).getTime() };
    log(`  backfill done: ${progress.events} events in ${started.slices} slices; waiting for the live runs it overlapped to close`);
    const expectedRuns = firesIn({ ...window, intervalMs: params.intervalMs, phaseMs: countsBefore.nextMs % params.intervalMs });
    const live = await closedRuns({
      client,
      ruleId,
      fromMs: window.fromMs,
      untilMs: window.toMs,
      expected: expectedRuns,
      intervalMs: params.intervalMs,
    });
    const countsAfter = await scheduleCounts(client, ruleId);
    let liveEvents = 0;
    for (const run of live) liveEvents += ((await client.workflow.getHandle(run.workflowId).result()) as CollectResult).run.events;
    await pauseSchedule({ client, ruleId, reason: 'benchmark over' });
    return {
      days: params.days,
      concurrency: params.concurrency,
      slices: started.slices,
      backfillEvents: progress.events,
      liveEvents,
      wallMs: window.toMs - window.fromMs,
      requests: requestFigures({ stats: await simStats(params.simUrl), before: totals, window }),
      cpuSeconds: after.cpuSeconds - before.cpuSeconds,
      peakRssBytes: after.peakRssBytes,
      intervalMs: params.intervalMs,
      live,
      expectedRuns,
      skippedOverlap: countsAfter.skipped - countsBefore.skipped,
      missedCatchup: countsAfter.missed - countsBefore.missed,
    };
  } finally {
    await newEvents.stop();
    log(`  ${newEvents.appended()} events appended to the org meanwhile`);
  }
}
