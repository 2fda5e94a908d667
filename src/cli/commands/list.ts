// audit-collect list: one line per rule.
import { defineCommand } from '../command';
import { connectClient } from '../../temporal/client';
import { EXIT } from '../exit-codes';
import { withProgress } from '../progress';
import { managedRuleIds } from '../../client/schedules';
import { ruleStatus } from '../../client/status/status';
import { listText, styleFor } from '../../client/status/text';
import { JSON_OPTION, TEMPORAL_ENVIRONMENT, print } from './common';

export const list = defineCommand({
  name: 'list',
  summary: 'one line per rule: health, lag, events in 24h, last success',
  description: `One line per rule: health (OK, WARNING, PAUSED, FAILING), lag (now minus the last processedAt),
events written in the last 24 hours, last successful run, and what is wrong if anything.`,
  args: [],
  options: { json: JSON_OPTION },
  examples: ['audit-collect list', `audit-collect list --json | jq -r '.[] | select(.health.state != "ok") | .ruleId'`],
  environment: TEMPORAL_ENVIRONMENT,
  async run({ options }) {
    const client = await connectClient();
    const statuses = await withProgress({
      label: "reading the rules' schedules and runs...",
      work: managedRuleIds(client).then((ids) => Promise.all(ids.map((ruleId) => ruleStatus({ client, ruleId })))),
    });
    print({ json: options.json ?? false, value: statuses, text: () => listText(statuses, styleFor(process.stdout)) });
    return EXIT.ok;
  },
});
