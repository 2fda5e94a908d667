// `apply`: make the schedules match the rules file, one Temporal Schedule per rule.
import { createHash } from 'node:crypto';
import { type Client, ScheduleOverlapPolicy, type ScheduleOptions, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { TypedSearchAttributes, type Duration } from '@temporalio/common';
import type { collectWorkflow } from '../../workflows';
import { TASK_QUEUE, type RuleSpec } from '../../model/types';
import type { RuleDefinition } from '../rules';
import { RULE_ID, scheduleId, workflowIdPrefix } from './ids';
import { phaseOffsetMs } from './phase';
import { parseDuration } from '../../model/duration';
import { managedRuleIds } from './list';
import { codecOf, describeSchedule, readerOf, staleKeyIds } from './read';

const PAUSED_BY_FILE = 'paused in the rules file';
/** Bumped when the shape of what a schedule starts changes, so `apply` rewrites old schedules. */
const SPEC_VERSION = 3;

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
  };
}

function specHash(rule: RuleSpec, taskQueue: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: SPEC_VERSION, rule, taskQueue }))
    .digest('hex')
    .slice(0, 16);
}

function actionOf(rule: RuleSpec, taskQueue: string): ScheduleOptionsStartWorkflowAction<typeof collectWorkflow> {
  return {
    type: 'startWorkflow',
    workflowType: 'collectWorkflow',
    args: [{ rule }],
    taskQueue,
    workflowId: workflowIdPrefix(rule.id),
    // Shown on every run in the Web UI (the run's own counts are its current details).
    staticSummary: `Collect ${rule.displayName} (${rule.id}) into s3://${rule.destination.bucket}/${rule.destination.prefix}`,
    staticDetails: [
      `**Rule** ${rule.displayName} (\`${rule.id}\`), every ${rule.interval}`,
      `**Atlassian org** ${rule.connection.orgId} (connection \`${rule.connection.name}\`)`,
      `**Destination** s3://${rule.destination.bucket}/${rule.destination.prefix}`,
    ].join('\n\n'),
    memo: { ...memoOf(rule), specHash: specHash(rule, taskQueue) },
    typedSearchAttributes: new TypedSearchAttributes([{ key: RULE_ID, value: rule.id }]),
  };
}

/** Every `interval`, at the rule's own offset within it (see phase.ts). */
function intervalOf(rule: RuleSpec): { every: Duration; offset: number } {
  const intervalMs = parseDuration(rule.interval) ?? 0;
  return { every: rule.interval as Duration, offset: phaseOffsetMs({ ruleId: rule.id, intervalMs }) };
}

function optionsOf(def: RuleDefinition, taskQueue: string): ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof collectWorkflow>> {
  return {
    scheduleId: scheduleId(def.spec.id),
    spec: { intervals: [intervalOf(def.spec)] },
    action: actionOf(def.spec, taskQueue),
    // SKIP: one run per rule at a time, so runs hand the cursor on in order. Failed runs (only
    // needs-a-human errors fail) pause the schedule so the operator sees why.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, pauseOnFailure: true, catchupWindow: '10 minutes' },
    state: def.paused ? { paused: true, note: PAUSED_BY_FILE } : { paused: false },
    memo: memoOf(def.spec),
    typedSearchAttributes: new TypedSearchAttributes([{ key: RULE_ID, value: def.spec.id }]),
  };
}

export type ApplyAction = 'created' | 'updated' | 'unchanged' | 'deleted';

export interface ApplyOutcome {
  ruleId: string;
  action: ApplyAction;
  /** Set when the update (also) rewrote payloads encrypted with other keys (or none) to the current key. */
  reencrypted?: { from: string[]; to: string };
}

/** Makes the schedules match the rules: idempotent; with `prune`, deletes schedules of removed rules. */
export async function applyRules(params: {
  client: Client;
  rules: RuleDefinition[];
  prune: boolean;
  taskQueue?: string;
}): Promise<ApplyOutcome[]> {
  const taskQueue = params.taskQueue ?? TASK_QUEUE;
  const codec = codecOf(params.client);
  const outcomes: ApplyOutcome[] = [];
  for (const def of params.rules) {
    const options = optionsOf(def, taskQueue);
    const current = await describeSchedule(params.client, def.spec.id);
    if (!current) {
      await params.client.schedule.create(options);
      outcomes.push({ ruleId: def.spec.id, action: 'created' });
      continue;
    }
    const currentHash = current.action.type === 'startWorkflow' ? current.action.memo?.specHash : undefined;
    const pauseChange = def.paused ? !current.state.paused : current.state.paused && current.state.note === PAUSED_BY_FILE;
    // Also when the old key is gone: the action is rebuilt from the file, nothing of it is read.
    const stale = staleKeyIds(current, codec);
    if (currentHash === options.action.memo?.specHash && !pauseChange && !stale) {
      outcomes.push({ ruleId: def.spec.id, action: 'unchanged' });
      continue;
    }
    const handle = readerOf(params.client).schedule.getHandle(options.scheduleId);
    await handle.update((previous) => ({
      spec: options.spec,
      action: options.action,
      policies: options.policies,
      // An operator's pause (or a pause on failure) stays until `resume`; the file only adds or lifts its own.
      state: pauseChange
        ? { paused: def.paused, note: def.paused ? PAUSED_BY_FILE : 'unpaused in the rules file' }
        : { paused: previous.state.paused, note: previous.state.note },
    }));
    outcomes.push({ ruleId: def.spec.id, action: 'updated', ...(stale && codec ? { reencrypted: { from: stale, to: codec.keyId } } : {}) });
  }
  if (params.prune) {
    const wanted = new Set(params.rules.map((r) => r.spec.id));
    for (const ruleId of await managedRuleIds(params.client)) {
      if (wanted.has(ruleId)) continue;
      await params.client.schedule.getHandle(scheduleId(ruleId)).delete();
      outcomes.push({ ruleId, action: 'deleted' });
    }
  }
  return outcomes;
}
