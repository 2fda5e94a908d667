// One Temporal Schedule per rule: create, update, list, describe, trigger, pause, resume, delete.
export { RULE_ID, ruleIdOf, scheduleId, workflowIdPrefix } from './ids';
export { RuleNotFoundError } from './read';
export { managedRuleIds } from './list';
export { applyRules, type ApplyAction, type ApplyOutcome } from './apply';
export { ruleStatus, type RuleStatus } from './status';
export type { RunInfo } from './runs';
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
export { deleteRule, pauseRule, resumeRule, scheduledRule, scheduledTaskQueue } from './control';
