// audit-collect delete: remove a rule's schedule; its checkpoint in S3 stays.
import { deleteRule } from '../schedules';
import { ruleScheduleCommand } from './rule-schedule-command';

export const deleteCommand = ruleScheduleCommand({
  name: 'delete',
  summary: "delete a rule's schedule (its checkpoint in S3 stays)",
  description: `Deletes a rule's schedule. Its checkpoint in S3 stays, so applying the rule again resumes from
its cursor instead of starting over.`,
  examples: ['audit-collect delete acme-audit'],
  act: deleteRule,
  done: (ruleId) => `deleted the schedule of ${ruleId}; its checkpoint stays in S3, so applying it again resumes`,
});
