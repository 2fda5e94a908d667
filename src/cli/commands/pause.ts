// audit-collect pause: stop scheduling runs for a rule, with a note saying why.
import { defineCommand } from '../command';
import { connectClient } from '../../temporal/client';
import { EXIT } from '../exit-codes';
import { pauseSchedule } from '../../client/schedules';
import { RULE_ID_ARG, TEMPORAL_ENVIRONMENT } from './common';

export const pause = defineCommand({
  name: 'pause',
  summary: 'stop scheduling runs for a rule, with a note saying why',
  description: 'Stops scheduling runs for a rule, with a note saying why (shown by status, list and the Web UI).',
  args: [RULE_ID_ARG],
  options: {
    reason: { type: 'string', value: 'TEXT', required: true, description: 'why, so the next operator knows' },
  },
  examples: ['audit-collect pause acme-audit --reason "rotating the API key"'],
  environment: TEMPORAL_ENVIRONMENT,
  async run({ options, args }) {
    const client = await connectClient();
    await pauseSchedule({ client, ruleId: args.ruleId, reason: options.reason });
    console.log(`paused ${args.ruleId}`);
    return EXIT.ok;
  },
});
