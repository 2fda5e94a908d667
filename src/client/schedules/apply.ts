// `apply`: make the schedules match the rules file, one Temporal Schedule per rule, as planned by
// plan.ts: nothing is changed unless the whole file can be applied.
import type { Client } from '@temporalio/client';
import { TASK_QUEUE } from '../../model/ids';
import { parseDuration } from '../../model/duration';
import { DEFAULT_RULE_SET, RulesError, type RuleDefinition } from '../rules';
import { DEFAULT_OPEN_RUN_WAIT, type EndRuns, type EndedRuns, endOpenRuns, endedRuns, openCollectRuns, stillOpenText } from './open-runs';
import { PAUSED_BY_FILE, type RuleScheduleOptions } from './options';
import { planApply, type ApplyPlan, type RulePlan } from './plan';
import { readerOf } from './read';
import { retireSchedule } from './retire';

export type ApplyAction = 'created' | 'updated' | 'unchanged' | 'deleted' | 'refused';

export interface ApplyOutcome {
  ruleId: string;
  action: ApplyAction;
  /** For an update: what changed, e.g. `interval: 5m -> 10m`. */
  changes?: string[];
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
  options: RuleScheduleOptions;
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

async function updateSchedule(params: { client: Client; rule: RulePlan }): Promise<ApplyOutcome> {
  const { rule } = params;
  const { paused } = rule;
  const { options } = rule;
  await readerOf(params.client)
    .schedule.getHandle(options.scheduleId)
    .update((previous) => ({
      spec: options.spec,
      action: options.action,
      policies: options.policies,
      // An operator's pause (or a pause on failure) stays until `resume`; the file only adds or lifts its own.
      state: rule.pauseChange
        ? { paused, note: paused ? PAUSED_BY_FILE : 'unpaused in the rules file' }
        : { paused: previous.state.paused, note: previous.state.note },
    }));
  return {
    ruleId: rule.ruleId,
    action: 'updated',
    ...(rule.changes?.length ? { changes: rule.changes } : {}),
    ...(rule.reencrypted ? { reencrypted: rule.reencrypted } : {}),
  };
}

async function pruneSchedule(params: { client: Client; ruleId: string; end: EndRuns }): Promise<ApplyOutcome> {
  const { ruleId } = params;
  const result = await retireSchedule({ ...params, by: 'audit-collect apply --prune' });
  if (!result.deleted)
    return { ruleId, action: 'refused', reason: stillOpenText({ ruleId, runs: result.stillOpen, wait: result.wait, doing: 'prune' }) };
  return { ruleId, action: 'deleted', ...(result.ended.workflowIds.length > 0 ? { openRuns: result.ended } : {}) };
}

/** The default wait for open runs: 2 minutes from now for the whole apply. */
export function defaultEnd(nowMs = Date.now()): EndRuns {
  return { kind: 'wait', deadlineMs: nowMs + parseDuration(DEFAULT_OPEN_RUN_WAIT)!, wait: DEFAULT_OPEN_RUN_WAIT };
}

/**
 * Carries out a plan that has no problems. A rule whose schedule is created or deleted while a
 * collect run of it is open waits for the run (`end`) or terminates it; a run that outlasts the
 * wait leaves that rule `refused`, the others are applied.
 */
export async function applyPlan(params: { client: Client; plan: ApplyPlan; end?: EndRuns }): Promise<ApplyOutcome[]> {
  const { client, plan } = params;
  const end = params.end ?? defaultEnd();
  const outcomes: ApplyOutcome[] = [];
  for (const rule of plan.rules) {
    if (rule.action === 'create') outcomes.push(await createSchedule({ client, ruleId: rule.ruleId, options: rule.options, end }));
    else if (rule.action === 'update') outcomes.push(await updateSchedule({ client, rule }));
    else outcomes.push({ ruleId: rule.ruleId, action: 'unchanged' });
  }
  for (const ruleId of plan.prune) outcomes.push(await pruneSchedule({ client, ruleId, end }));
  return outcomes;
}

/**
 * Makes the schedules match the rules: idempotent; with `prune`, deletes the schedules of the rule
 * set's rules no longer given. Throws RulesError (changing nothing) when the plan has problems.
 */
export async function applyRules(params: {
  client: Client;
  rules: RuleDefinition[];
  prune: boolean;
  ruleSet?: string;
  taskQueue?: string;
  end?: EndRuns;
}): Promise<ApplyOutcome[]> {
  const { client, rules } = params;
  const plan = await planApply({
    client,
    file: { ruleSet: params.ruleSet ?? DEFAULT_RULE_SET, rules },
    prune: params.prune,
    defaultTaskQueue: params.taskQueue ?? TASK_QUEUE,
    nowMs: Date.now(),
  });
  if (plan.problems.length > 0) throw new RulesError('rules', plan.problems);
  return applyPlan({ client, plan, ...(params.end && { end: params.end }) });
}
