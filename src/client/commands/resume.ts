// audit-collect resume: a paused rule carries on from its cursor.
import { defineCommand } from '../command';
import { connectClient } from '../connection';
import { EXIT } from '../exit-codes';
import { resumeRule } from '../schedules';
import { RULE_ID_ARG, TEMPORAL_ENVIRONMENT } from './common';

export const resume = defineCommand({
  name: 'resume',
  summary: 'resume a paused rule from its cursor',
  description: `Resumes a paused rule, whether an operator paused it or a failed run did. The next run continues
from the rule's cursor; nothing is collected twice.`,
  args: [RULE_ID_ARG],
  options: {},
  examples: ['audit-collect resume acme-audit && audit-collect trigger acme-audit --wait'],
  environment: TEMPORAL_ENVIRONMENT,
  async run({ args }) {
    const client = await connectClient();
    await resumeRule({ client, ruleId: args.ruleId });
    console.log(`resumed ${args.ruleId}`);
    return EXIT.ok;
  },
});
