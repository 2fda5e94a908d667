// audit-collect delete: remove a rule's schedule; its checkpoint in S3 stays.
import { defineCommand } from '../command';
import { connectClient } from '../connection';
import { EXIT } from '../exit-codes';
import { deleteRule } from '../schedules';
import { RULE_ID_ARG, TEMPORAL_ENVIRONMENT } from './common';

export const deleteCommand = defineCommand({
  name: 'delete',
  summary: "delete a rule's schedule (its checkpoint in S3 stays)",
  description: `Deletes a rule's schedule. Its checkpoint in S3 stays, so applying the rule again resumes from
its cursor instead of starting over.`,
  args: [RULE_ID_ARG],
  options: {},
  examples: ['audit-collect delete acme-audit'],
  environment: TEMPORAL_ENVIRONMENT,
  async run({ args }) {
    const client = await connectClient();
    await deleteRule({ client, ruleId: args.ruleId });
    console.log(`deleted the schedule of ${args.ruleId}; its checkpoint stays in S3, so applying it again resumes`);
    return EXIT.ok;
  },
});
