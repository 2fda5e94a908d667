// Every name the collector gives things in Temporal: the task queue, schedule and workflow IDs, and
// the search attribute, defined once for the workflows, the worker and the CLI.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

export const TASK_QUEUE = 'audit-collect';

/** Every run, schedule and backfill of a rule carries its ID here (register it on the server: `RuleId=Keyword`). */
export const RULE_ID = defineSearchAttributeKey('RuleId', SearchAttributeType.KEYWORD);

export const SCHEDULE_ID_PREFIX = 'audit-collect-';
/** The schedule of a rule: `audit-collect-<ruleId>`. */
export const scheduleId = (ruleId: string) => `${SCHEDULE_ID_PREFIX}${ruleId}`;
/** The rule ID back from a schedule ID. */
export const ruleIdOfScheduleId = (id: string) => id.slice(SCHEDULE_ID_PREFIX.length);

export const WORKFLOW_ID_PREFIX = 'collect-';
/** What a schedule's runs are named after: it appends the scheduled time. */
export const workflowIdPrefix = (ruleId: string) => `${WORKFLOW_ID_PREFIX}${ruleId}`;
/** A schedule starts run `collect-<ruleId>-<scheduled time>`: the rule ID back from such an ID. */
export function ruleIdOfWorkflowId(workflowId: string): string | undefined {
  return /^collect-(.+)-\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.exec(workflowId)?.[1];
}

export const BACKFILL_ID_PREFIX = 'backfill-';

/** `20250501T000000Z`, with `.123` before the Z when the instant has milliseconds. */
export function compactIso(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace('.000Z', 'Z');
}

/** The same rule and range always give the same ID, so a repeated request finds the running backfill. */
export function backfillWorkflowId(params: { ruleId: string; fromMs: number; toMs: number }): string {
  return `${BACKFILL_ID_PREFIX}${params.ruleId}-${compactIso(params.fromMs)}-${compactIso(params.toMs)}`;
}

export function sliceWorkflowId(backfillId: string, index: number): string {
  return `${backfillId}-slice-${String(index).padStart(3, '0')}`;
}
