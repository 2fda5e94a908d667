// audit-collect resume: a paused rule carries on from its cursor.
import { resumeSchedule } from '../../client/schedules';
import { ruleScheduleCommand } from './rule-schedule-command';

export const resume = ruleScheduleCommand({
  name: 'resume',
  summary: 'resume a paused rule from its cursor',
  description: `Resumes a paused rule, whether an operator paused it or a failed run did. The next run continues
from the rule's cursor; nothing is collected twice.`,
  examples: ['audit-collect resume acme-audit && audit-collect trigger acme-audit --wait'],
  act: resumeSchedule,
  done: (ruleId) => `resumed ${ruleId}`,
});
