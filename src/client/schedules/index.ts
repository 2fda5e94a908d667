// One Temporal Schedule per rule: create, update, list, describe, trigger, pause, resume, delete.
export { RULE_ID, ruleIdOf, scheduleId, workflowIdPrefix } from './ids';
export { RuleNotFoundError } from './read';
export { managedRuleIds } from './list';
export { applyRules, type ApplyAction, type ApplyOutcome } from './apply';
export { ruleStatus, type RuleStatus } from './status';
export type { RunInfo } from './runs';
export { triggerRule, type TriggerOutcome } from './trigger';
export { deleteRule, pauseRule, resumeRule, scheduledRule, scheduledTaskQueue } from './control';
