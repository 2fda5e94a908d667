// The paced catch-up: one rule reads every event of the org (or every record of a Jira site) through one worker, pacing on, against
// the simulator's limit; runs are triggered back to back until one is caught up, as dev/bench/main.ts does.
import type { ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import type { RuleDefinition } from '../../../src/client/rules';
import { applyRules, triggerRule } from '../../../src/client/schedules';
import { sampleProcess } from '../shared/proc';
import { untilNextMinute, type RequestCounter, type RequestFigures } from './stats';

export interface CatchupFigures {
  events: number;
  wallMs: number;
  runs: number;
  requests: RequestFigures;
  cpuSeconds: number;
  peakRssBytes: number;
}

export async function catchUp(params: {
  client: Client;
  rules: RuleDefinition[];
  worker: ChildProcess;
  /** The simulator's request counts: the org's events stream, or a site's audit log. */
  counter: RequestCounter;
  /** Events (or site records) the catch-up must write. */
  events: number;
  log: (line: string) => void;
}): Promise<CatchupFigures> {
  const ruleId = params.rules[0]!.spec.id;
  await applyRules({ client: params.client, rules: params.rules, prune: false });
  await untilNextMinute();
  const before = sampleProcess(params.worker.pid!);
  const totals = await params.counter.totals();
  const runs: Array<{ startMs: number; closeMs: number; events: number }> = [];
  for (;;) {
    const outcome = await triggerRule({ client: params.client, ruleId, wait: true, timeoutMs: 60 * 60_000 });
    if (!outcome.started) throw new Error(`catch-up run not started: ${outcome.reason}`);
    const { run } = outcome;
    if (run.status !== 'COMPLETED' || !run.result || !run.closedAt)
      throw new Error(`catch-up run ${run.workflowId} ended ${run.status}: ${run.failure ?? ''}`);
    runs.push({ startMs: Date.parse(run.startedAt), closeMs: Date.parse(run.closedAt), events: run.result.totals.events });
    params.log(`  run ${runs.length}: ${run.result.run.events} events in ${run.result.run.batches} batches`);
    if (run.result.run.caughtUp) break;
  }
  const after = sampleProcess(params.worker.pid!);
  const events = runs.at(-1)!.events;
  if (events !== params.events) throw new Error(`the catch-up wrote ${events} events, not ${params.events}`);
  const window = { fromMs: runs[0]!.startMs, toMs: runs.at(-1)!.closeMs };
  return {
    events,
    wallMs: window.toMs - window.fromMs,
    runs: runs.length,
    requests: await params.counter.figures(totals, window),
    cpuSeconds: after.cpuSeconds - before.cpuSeconds,
    peakRssBytes: after.peakRssBytes,
  };
}
