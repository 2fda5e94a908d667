// How a rule's schedule, runs and search attribute are named in Temporal.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { SCHEDULE_ID_PREFIX, WORKFLOW_ID_PREFIX, scheduleIdOf } from '../../model/types';

export const RULE_ID = defineSearchAttributeKey('RuleId', SearchAttributeType.KEYWORD);

export const scheduleId = scheduleIdOf;
export const workflowIdPrefix = (ruleId: string) => `${WORKFLOW_ID_PREFIX}${ruleId}`;
export const ruleIdOf = (id: string) => id.slice(SCHEDULE_ID_PREFIX.length);
