// Pause, resume and delete a rule's schedule (delete never leaves its run writing), and read what it runs.
import type { Client } from '@temporalio/client';
import { TASK_QUEUE } from '../../model/ids';
import { type RuleSpec } from '../../model/types';
import { scheduleId } from '../../model/ids';
import { type EndRuns, type EndedRuns, OpenRunsError } from './open-runs';
import { RuleNotFoundError, checkActionDecrypts, describeOrThrow } from './read';
import { retireSchedule } from './retire';

/** The rule a schedule runs, as its action carries it (references only, no secrets). */
export async function scheduledRule(params: { client: Client; ruleId: string }): Promise<RuleSpec> {
  const d = await describeOrThrow(params.client, params.ruleId);
  if (d.action.type !== 'startWorkflow') throw new RuleNotFoundError(params.ruleId);
  await checkActionDecrypts(params.client, d);
  return (d.action.args?.[0] as { rule: RuleSpec }).rule;
}

/** The task queue the rule's schedule starts runs on. */
export async function scheduledTaskQueue(params: { client: Client; ruleId: string }): Promise<string> {
  const d = await describeOrThrow(params.client, params.ruleId);
  return d.action.type === 'startWorkflow' ? d.action.taskQueue : TASK_QUEUE;
}

export async function pauseSchedule(params: { client: Client; ruleId: string; reason: string }): Promise<void> {
  await describeOrThrow(params.client, params.ruleId);
  await params.client.schedule.getHandle(scheduleId(params.ruleId)).pause(params.reason);
}

export async function resumeSchedule(params: { client: Client; ruleId: string }): Promise<void> {
  await describeOrThrow(params.client, params.ruleId);
  await params.client.schedule.getHandle(scheduleId(params.ruleId)).unpause('resumed with audit-collect resume');
}

/** Deletes the schedule once the rule's open run has ended; throws OpenRunsError (the schedule left paused) if it outlasts the wait. */
export async function deleteSchedule(params: { client: Client; ruleId: string; end: EndRuns }): Promise<EndedRuns> {
  const result = await retireSchedule({ ...params, by: 'audit-collect delete' });
  if (!result.deleted) throw new OpenRunsError({ ruleId: params.ruleId, runs: result.stillOpen, wait: result.wait });
  return result.ended;
}
