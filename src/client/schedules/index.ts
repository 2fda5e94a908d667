// One Temporal Schedule per rule: create, update, list, describe, trigger, pause, resume, delete.
export { RuleNotFoundError } from './read';
export { managedRuleIds } from './list';
export { applyPlan, applyRules, defaultEnd, type ApplyAction, type ApplyOutcome } from './apply';
export { planApply, ruleChanges, type ApplyPlan, type RulePlan } from './plan';
export { triggerRule, type TriggerOutcome } from './trigger';
export {
  DEFAULT_OPEN_RUN_WAIT,
  type EndRuns,
  type EndedRuns,
  type OpenRun,
  OpenRunsError,
  openRunsQuery,
  stillOpenText,
} from './open-runs';
export { deleteSchedule, pauseSchedule, resumeSchedule, scheduledRule, scheduledTaskQueue } from './control';
