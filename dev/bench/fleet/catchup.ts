// The fleet's first catch-up: every rule triggered at once, timed until every rule has written all
// of its org's events.
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { scheduleId } from '../../../src/model/ids';
import { type CollectResult } from '../../../src/model/types';
import { inParallel } from './runs';

export interface CatchUpFigures {
  rules: number;
  events: number;
  wallMs: number;
  runs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function catchUp(params: {
  client: Client;
  ruleIds: string[];
  orgEvents: number;
  log: (line: string) => void;
}): Promise<CatchUpFigures> {
  const { client } = params;
  const fromMs = Date.now();
  const caughtUpAt = new Map<string, number>();
  const seen = new Set<string>();
  let pending = params.ruleIds;
  for (let round = 1; pending.length > 0; round++) {
    if (round > 5) throw new Error(`${pending.length} rules did not catch up in 5 rounds (e.g. ${pending.slice(0, 3).join(', ')})`);
    await inParallel(pending, 8, (ruleId) => client.schedule.getHandle(scheduleId(ruleId)).trigger(ScheduleOverlapPolicy.SKIP));
    // A trigger is taken by the schedule a moment later: wait for the runs to start, then to end.
    // (A trigger that met a run in progress is skipped: after 10 s with nothing running, go on.)
    const roundFrom = new Date(Date.now() - 1_000).toISOString();
    for (let idle = 0; ;) {
      await sleep(2_000);
      const started = (await client.workflow.count(`WorkflowType = 'collectWorkflow' AND StartTime >= '${roundFrom}'`)).count;
      const running = (await client.workflow.count(`WorkflowType = 'collectWorkflow' AND ExecutionStatus = 'Running'`)).count;
      idle = running === 0 ? idle + 1 : 0;
      if (running === 0 && (started >= pending.length || idle >= 5)) break;
    }
    const closed: Array<{ workflowId: string; runId: string; closedMs: number }> = [];
    const query = `WorkflowType = 'collectWorkflow' AND StartTime >= '${new Date(fromMs - 60_000).toISOString()}'`;
    for await (const info of client.workflow.list({ query })) {
      if (!seen.has(info.runId) && info.closeTime)
        closed.push({ workflowId: info.workflowId, runId: info.runId, closedMs: info.closeTime.getTime() });
    }
    await inParallel(closed, 8, async (run) => {
      seen.add(run.runId);
      const result = (await client.workflow
        .getHandle(run.workflowId, run.runId)
        .result()
        .catch(() => undefined)) as CollectResult | undefined;
      if (!result?.run.caughtUp || result.totals.events !== params.orgEvents) return;
      caughtUpAt.set(result.ruleId, Math.min(caughtUpAt.get(result.ruleId) ?? Infinity, run.closedMs));
    });
    pending = params.ruleIds.filter((id) => !caughtUpAt.has(id));
    params.log(`  catch-up round ${round}: ${caughtUpAt.size} of ${params.ruleIds.length} rules caught up`);
  }
  return {
    rules: params.ruleIds.length,
    events: params.ruleIds.length * params.orgEvents,
    wallMs: Math.max(...caughtUpAt.values()) - fromMs,
    runs: seen.size,
  };
}
