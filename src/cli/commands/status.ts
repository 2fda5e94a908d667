// audit-collect status: one rule's health and state.
import { defineCommand } from '../command';
import { connectClient } from '../../temporal/client';
import { EXIT } from '../exit-codes';
import { ruleStatus } from '../../client/status/status';
import { statusText, styleFor } from '../../client/status/text';
import { JSON_OPTION, RULE_ID_ARG, TEMPORAL_ENVIRONMENT, print } from './common';

export const status = defineCommand({
  name: 'status',
  summary: "a rule's health, last run and error, cursor, lag and totals",
  description: `A rule's health and state: schedule (next run, or the pause note), the cursor (last processedAt)
and lag, events written in all and in the last 24 hours, the last run and its error (class and
message), the last successful run, days until the API key expires (from the connection's
expiresAt; a warning within 14 days), and a warning when the rule has written nothing for longer
than its warnNoDataAfter (default 24h).`,
  args: [RULE_ID_ARG],
  options: { json: JSON_OPTION },
  examples: ['audit-collect status acme-audit', 'audit-collect status acme-audit --json | jq .health'],
  environment: TEMPORAL_ENVIRONMENT,
  async run({ options, args }) {
    const client = await connectClient();
    const status = await ruleStatus({ client, ruleId: args.ruleId });
    print({ json: options.json ?? false, value: status, text: () => statusText(status, styleFor(process.stdout)) });
    return EXIT.ok;
  },
});
