// `trigger`: a run now, never beside one in progress.
import { type Client, ScheduleOverlapPolicy } from '@temporalio/client';
import type { CollectResult } from '../../model/types';
import { scheduleId } from '../../model/ids';
import { describeOrThrow } from './read';
import { runInfo, type RunInfo } from '../status/runs';

export type TriggerOutcome = { started: false; reason: string } | { started: true; run: RunInfo & { result?: CollectResult } };

/**
 * Starts a run now with overlap SKIP (a trigger without a policy would use ALLOW_ALL, whose runs
 * neither receive nor record the last result). With `wait`, returns when that run has closed.
 */
export async function triggerRule(params: { client: Client; ruleId: string; wait: boolean; timeoutMs?: number }): Promise<TriggerOutcome> {
  const handle = params.client.schedule.getHandle(scheduleId(params.ruleId));
  const before = await describeOrThrow(params.client, params.ruleId);
  if (before.info.runningActions.length > 0)
    return { started: false, reason: 'a run is already in progress; the trigger would be skipped' };
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
  if (!params.wait)
    return { started: true, run: { workflowId: '', runId: '', status: 'STARTED', startedAt: new Date().toISOString(), closedAt: null } };
  const deadline = Date.now() + (params.timeoutMs ?? 10 * 60_000);
  while (Date.now() < deadline) {
    const now = await describeOrThrow(params.client, params.ruleId);
    if (now.info.numActionsSkippedOverlap > before.info.numActionsSkippedOverlap)
      return { started: false, reason: 'skipped: another run started first' };
    if (now.info.numActionsTaken > before.info.numActionsTaken) {
      const action = now.info.recentActions.at(-1)!.action.workflow;
      await params.client.workflow
        .getHandle(action.workflowId, action.firstExecutionRunId)
        .result()
        .catch(() => undefined);
      return { started: true, run: await runInfo(params.client, action.workflowId, action.firstExecutionRunId) };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the triggered run of rule '${params.ruleId}' did not start within the timeout; is a worker running?`);
}
