// `apply`: make the schedules match the rules file, one Temporal Schedule per rule.
import { createHash } from 'node:crypto';
import { type Client, ScheduleOverlapPolicy, type ScheduleOptions, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { TypedSearchAttributes, type Duration } from '@temporalio/common';
import type { collectWorkflow } from '../../workflows';
import { TASK_QUEUE } from '../../model/ids';
import { type RuleSpec } from '../../model/types';
import { sourceLabel, sourceTitle } from '../../model/source';
import type { RuleDefinition } from '../rules';
import { RULE_ID, scheduleId, workflowIdPrefix } from '../../model/ids';
import { phaseOffsetMs } from './phase';
import { parseDuration } from '../../model/duration';
import { managedRuleIds } from './list';
import { codecOf, describeSchedule, readerOf, staleKeyIds } from './read';
import { DEFAULT_OPEN_RUN_WAIT, type EndRuns, type EndedRuns, endOpenRuns, endedRuns, openCollectRuns, stillOpenText } from './open-runs';
import { retireSchedule } from './retire';

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
    // Site rules only: an org rule's memo stays as it was.
    ...(rule.connection.source && { source: sourceLabel(rule.connection) }),
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
    staticSummary: `Collect ${rule.displayName} (${rule.id})${rule.connection.source ? ` from the ${sourceLabel(rule.connection)}` : ''} into s3://${rule.destination.bucket}/${rule.destination.prefix}`,
    staticDetails: [
      `**Rule** ${rule.displayName} (\`${rule.id}\`), every ${rule.interval}`,
      `**${sourceTitle(rule.connection)}** ${rule.connection.orgId} (connection \`${rule.connection.name}\`)`,
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

export type ApplyAction = 'created' | 'updated' | 'unchanged' | 'deleted' | 'refused';

export interface ApplyOutcome {
  ruleId: string;
  action: ApplyAction;
  /** Set when the update (also) rewrote payloads encrypted with other keys (or none) to the current key. */
  reencrypted?: { from: string[]; to: string };
  /** The rule's open collect runs that ended (finished or were terminated) before its schedule was created or deleted. */
  openRuns?: EndedRuns;
  /** Why nothing was done (action `refused`): a run of the rule outlasted the wait, and what to do next. */
  reason?: string;
}

/**
 * Creates the rule's schedule once no collect run of the rule is open: one left by a deleted
 * schedule would write beside the new schedule's runs (overlap SKIP only knows a schedule's own).
 */
async function createSchedule(params: {
  client: Client;
  ruleId: string;
  options: ReturnType<typeof optionsOf>;
  end: EndRuns;
}): Promise<ApplyOutcome> {
  const { client, ruleId, end } = params;
  const runs = await openCollectRuns({ client, ruleId });
  const stillOpen = await endOpenRuns({ client, runs, end });
  if (stillOpen.length > 0 && end.kind === 'wait')
    return { ruleId, action: 'refused', reason: stillOpenText({ ruleId, runs: stillOpen, wait: end.wait, doing: 'create' }) };
  await client.schedule.create(params.options);
  return { ruleId, action: 'created', ...(runs.length > 0 ? { openRuns: endedRuns({ runs, end }) } : {}) };
}

async function pruneSchedule(params: { client: Client; ruleId: string; end: EndRuns }): Promise<ApplyOutcome> {
  const { ruleId } = params;
  const result = await retireSchedule({ ...params, by: 'audit-collect apply --prune' });
  if (!result.deleted)
    return { ruleId, action: 'refused', reason: stillOpenText({ ruleId, runs: result.stillOpen, wait: result.wait, doing: 'prune' }) };
  return { ruleId, action: 'deleted', ...(result.ended.workflowIds.length > 0 ? { openRuns: result.ended } : {}) };
}

/**
 * Makes the schedules match the rules: idempotent; with `prune`, deletes schedules of removed rules.
 * A rule whose schedule is created or deleted while a collect run of it is open waits for the run
 * (`end`: until one deadline for the whole apply, by default 2 minutes from now) or terminates it;
 * a run that outlasts the wait leaves that rule `refused`, the others are applied.
 */
export async function applyRules(params: {
  client: Client;
  rules: RuleDefinition[];
  prune: boolean;
  taskQueue?: string;
  end?: EndRuns;
}): Promise<ApplyOutcome[]> {
  const taskQueue = params.taskQueue ?? TASK_QUEUE;
  const end = params.end ?? { kind: 'wait', deadlineMs: Date.now() + parseDuration(DEFAULT_OPEN_RUN_WAIT)!, wait: DEFAULT_OPEN_RUN_WAIT };
  const codec = codecOf(params.client);
  const outcomes: ApplyOutcome[] = [];
  for (const def of params.rules) {
    const options = optionsOf(def, taskQueue);
    const current = await describeSchedule(params.client, def.spec.id);
    if (!current) {
      outcomes.push(await createSchedule({ client: params.client, ruleId: def.spec.id, options, end }));
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
      outcomes.push(await pruneSchedule({ client: params.client, ruleId, end }));
    }
  }
  return outcomes;
}
