// What `apply` would do, worked out before it changes anything: per rule create, update (and which
// fields change) or unchanged; with prune, the schedules of the file's rule set it no longer has.
// The checks that need the schedules (startFrom within retention for a new rule, a rule another
// rule set owns, a task queue named twice) are made here, so apply stays all-or-nothing.
import type { Client, ScheduleDescription } from '@temporalio/client';
import type { RuleSpec } from '../../model/types';
import { startFromRetentionProblem, type RuleDefinition, type RulesFileDefinition } from '../rules';
import { managedRuleIds } from './list';
import { PAUSED_BY_FILE, scheduleOptionsOf, type RuleScheduleOptions } from './options';
import { codecOf, describeSchedule, ruleSetOf, staleKeyIds } from './read';

export interface RulePlan {
  ruleId: string;
  action: 'create' | 'update' | 'unchanged';
  /** For an update: what changes, e.g. `interval: 5m -> 10m`. */
  changes?: string[];
  /** For an update that (also) rewrites payloads encrypted with other keys (or none) to the current key. */
  reencrypted?: { from: string[]; to: string };
  taskQueue: string;
  options: RuleScheduleOptions;
  /** Whether the file pauses the rule. */
  paused: boolean;
  /** The file's pause differs from the schedule's state (and is not an operator's pause). */
  pauseChange?: boolean;
}

export interface ApplyPlan {
  ruleSet: string;
  rules: RulePlan[];
  /** With prune: rules of this rule set with a schedule but not in the file, to delete. */
  prune: string[];
  /** With prune: schedules that name no rule set this process can read (made before rule sets), left alone. */
  unlabeled: string[];
  /** Why the file cannot be applied as it is; nothing is changed when there is one. */
  problems: string[];
}

/** The rule's fields as `path: value`, e.g. `destination.prefix`. */
function fields(value: unknown, path = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) for (const entry of fields(inner, path ? `${path}.${key}` : key)) out.set(...entry);
  } else if (value !== undefined) out.set(path, String(value));
  return out;
}

/** What differs between the rule the schedule runs and the file's, one `field: old -> new` each. */
export function ruleChanges(params: { before: RuleSpec; after: RuleSpec }): string[] {
  const [before, after] = [fields(params.before), fields(params.after)];
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  return names
    .filter((n) => before.get(n) !== after.get(n))
    .map((n) => `${n}: ${before.get(n) ?? '(none)'} -> ${after.get(n) ?? '(none)'}`);
}

function planRule(params: {
  def: RuleDefinition;
  taskQueue: string;
  ruleSet: string;
  current: ScheduleDescription | undefined;
  client: Client;
}): RulePlan {
  const { def, taskQueue, ruleSet, current } = params;
  const ruleId = def.spec.id;
  const options = scheduleOptionsOf({ def, taskQueue, ruleSet });
  const base = { ruleId, taskQueue, options, paused: def.paused };
  if (!current) return { ...base, action: 'create' };
  const action = current.action.type === 'startWorkflow' ? current.action : undefined;
  const pauseChange = def.paused ? !current.state.paused : current.state.paused && current.state.note === PAUSED_BY_FILE;
  const codec = codecOf(params.client);
  // Also when the old key is gone: the action is rebuilt from the file, nothing of it is read.
  const stale = staleKeyIds(current, codec);
  if (action?.memo?.specHash === options.action.memo?.specHash && !pauseChange && !stale) return { ...base, action: 'unchanged' };
  // Undefined when encrypted with a key this process lacks: then only what is in the clear is compared.
  const before = (action?.args?.[0] as { rule?: RuleSpec } | undefined)?.rule;
  const changes = before ? ruleChanges({ before, after: def.spec }) : [];
  if (action && action.taskQueue !== taskQueue) changes.push(`taskQueue: ${action.taskQueue} -> ${taskQueue}`);
  const currentSet = ruleSetOf(current);
  if (before && currentSet !== ruleSet) changes.push(`ruleSet: ${currentSet ?? '(none)'} -> ${ruleSet}`);
  if (pauseChange) changes.push(`paused: ${!def.paused} -> ${def.paused}`);
  if (changes.length === 0 && !stale)
    changes.push(before ? 'schedule format (written by an older audit-collect)' : "the schedule's rule (unreadable here)");
  return {
    ...base,
    action: 'update',
    changes,
    pauseChange,
    ...(stale && codec ? { reencrypted: { from: stale, to: codec.keyId } } : {}),
  };
}

/**
 * Reads the schedules the file's rules (and, with prune, the namespace's other rules) have and
 * works out what applying the file does. Changes nothing.
 *
 * A rule's task queue: the file's (the rule's own, else the file's top-level taskQueue), else
 * `taskQueue` (--task-queue), else `defaultTaskQueue`; naming different ones in the file and with
 * --task-queue is a problem.
 */
export async function planApply(params: {
  client: Client;
  file: RulesFileDefinition;
  prune: boolean;
  taskQueue?: string;
  defaultTaskQueue: string;
  nowMs: number;
}): Promise<ApplyPlan> {
  const { client, file } = params;
  const plan: ApplyPlan = { ruleSet: file.ruleSet, rules: [], prune: [], unlabeled: [], problems: [] };
  for (const [index, def] of file.rules.entries()) {
    const ruleId = def.spec.id;
    if (params.taskQueue !== undefined && def.taskQueue !== undefined && def.taskQueue !== params.taskQueue) {
      plan.problems.push(
        `rule '${ruleId}': the rules file names task queue '${def.taskQueue}' and --task-queue '${params.taskQueue}'; drop one`,
      );
    }
    const taskQueue = def.taskQueue ?? params.taskQueue ?? params.defaultTaskQueue;
    const current = await describeSchedule(client, ruleId);
    if (!current) {
      const problem = startFromRetentionProblem({ def, index, nowMs: params.nowMs });
      if (problem) plan.problems.push(problem);
    }
    const owner = current && ruleSetOf(current);
    if (owner !== undefined && owner !== file.ruleSet) {
      plan.problems.push(
        `rule '${ruleId}': its schedule belongs to rule set '${owner}', not '${file.ruleSet}' (this file's ruleSet): two rules files name this rule. ` +
          `Remove it from one of them, or, to move it here, delete its schedule first (audit-collect delete ${ruleId}; its checkpoint stays)`,
      );
    }
    plan.rules.push(planRule({ def, taskQueue, ruleSet: file.ruleSet, current, client }));
  }
  if (params.prune) {
    const wanted = new Set(file.rules.map((r) => r.spec.id));
    for (const ruleId of await managedRuleIds(client)) {
      if (wanted.has(ruleId)) continue;
      const current = await describeSchedule(client, ruleId);
      if (!current) continue; // deleted meanwhile
      const owner = ruleSetOf(current);
      if (owner === file.ruleSet) plan.prune.push(ruleId);
      else if (owner === undefined) plan.unlabeled.push(ruleId);
    }
  }
  return plan;
}
