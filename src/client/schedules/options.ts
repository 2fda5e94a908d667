// What a rule's schedule is: its spec, the run it starts (input, task queue, memo, search
// attribute) and its policies, built from the rule as the rules file states it.
import { sourceLabel, sourceTitle } from '../../model/source';
import { createHash } from 'node:crypto';
import { ScheduleOverlapPolicy, type ScheduleOptions, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { TypedSearchAttributes, type Duration } from '@temporalio/common';
import type { collectWorkflow } from '../../workflows';
import { type RuleSpec } from '../../model/types';
import type { RuleDefinition } from '../rules';
import { RULE_ID, scheduleId, workflowIdPrefix } from '../../model/ids';
import { phaseOffsetMs } from './phase';
import { parseDuration } from '../../model/duration';

export const PAUSED_BY_FILE = 'paused in the rules file';
/** Bumped when the shape of what a schedule starts changes, so `apply` rewrites old schedules. */
const SPEC_VERSION = 3;

export type RuleScheduleOptions = ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof collectWorkflow>>;

/** What operators see on every run in the Web UI; never a secret. */
function memoOf(rule: RuleSpec): Record<string, string> {
  return {
    ruleId: rule.id,
    displayName: rule.displayName,
    orgId: rule.connection.orgId,
    connection: rule.connection.name,
    bucket: rule.destination.bucket,
    prefix: rule.destination.prefix,
    interval: rule.interval,
    // Site rules only: an org rule's memo stays as it was.
    ...(rule.connection.source && { source: sourceLabel(rule.connection) }),
  };
}

/** Everything the action is built from: equal hashes, nothing to rewrite. */
function specHash(params: { rule: RuleSpec; taskQueue: string; ruleSet: string }): string {
  const { rule, taskQueue, ruleSet } = params;
  return createHash('sha256')
    .update(JSON.stringify({ v: SPEC_VERSION, rule, taskQueue, ruleSet }))
    .digest('hex')
    .slice(0, 16);
}

function actionOf(params: {
  rule: RuleSpec;
  taskQueue: string;
  ruleSet: string;
}): ScheduleOptionsStartWorkflowAction<typeof collectWorkflow> {
  const { rule, taskQueue, ruleSet } = params;
  return {
    type: 'startWorkflow',
    workflowType: 'collectWorkflow',
    args: [{ rule }],
    taskQueue,
    workflowId: workflowIdPrefix(rule.id),
    // Shown on every run in the Web UI (the run's own counts are its current details).
    staticSummary: `Collect ${rule.displayName} (${rule.id})${rule.connection.source ? ` from the ${sourceLabel(rule.connection)}` : ''} into s3://${rule.destination.bucket}/${rule.destination.prefix}`,
    staticDetails: [
      `**Rule** ${rule.displayName} (\`${rule.id}\`), every ${rule.interval}`,
      `**${sourceTitle(rule.connection)}** ${rule.connection.orgId} (connection \`${rule.connection.name}\`)`,
      `**Destination** s3://${rule.destination.bucket}/${rule.destination.prefix}`,
    ].join('\n\n'),
    // The rule set lives here, not in the schedule's own memo, which Temporal cannot update.
    memo: { ...memoOf(rule), ruleSet, specHash: specHash(params) },
    typedSearchAttributes: new TypedSearchAttributes([{ key: RULE_ID, value: rule.id }]),
  };
}

/** Every `interval`, at the rule's own offset within it (see phase.ts). */
function intervalOf(rule: RuleSpec): { every: Duration; offset: number } {
  const intervalMs = parseDuration(rule.interval) ?? 0;
  return { every: rule.interval as Duration, offset: phaseOffsetMs({ ruleId: rule.id, intervalMs }) };
}

export function scheduleOptionsOf(params: { def: RuleDefinition; taskQueue: string; ruleSet: string }): RuleScheduleOptions {
  const { def } = params;
  return {
    scheduleId: scheduleId(def.spec.id),
    spec: { intervals: [intervalOf(def.spec)] },
    action: actionOf({ rule: def.spec, taskQueue: params.taskQueue, ruleSet: params.ruleSet }),
    // SKIP: one run per rule at a time, so runs hand the cursor on in order. Failed runs (only
    // needs-a-human errors fail) pause the schedule so the operator sees why.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, pauseOnFailure: true, catchupWindow: '10 minutes' },
    state: def.paused ? { paused: true, note: PAUSED_BY_FILE } : { paused: false },
    memo: memoOf(def.spec),
    typedSearchAttributes: new TypedSearchAttributes([{ key: RULE_ID, value: def.spec.id }]),
  };
}
