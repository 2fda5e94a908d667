// audit-collect trigger: a run now, never beside one in progress.
import { defineCommand } from '../command';
import { connectClient } from '../../temporal/client';
import { EXIT } from '../exit-codes';
import { withProgress } from '../progress';
import { triggerRule, type TriggerOutcome } from '../../client/schedules';
import { JSON_OPTION, RULE_ID_ARG, TEMPORAL_ENVIRONMENT, print } from './common';

function outcomeText(outcome: TriggerOutcome, waited: boolean): string {
  if (!outcome.started) return `not started: ${outcome.reason}`;
  if (!waited) return 'triggered';
  const { run } = outcome;
  return `${run.status} ${run.workflowId}: ${run.result ? `${run.result.run.events} events, ${run.result.run.objects} objects` : (run.failure ?? '')}`;
}

export const trigger = defineCommand({
  name: 'trigger',
  summary: 'start a run now (skipped if one is running)',
  description: `Starts a run now, with overlap SKIP: never a second run beside one in progress. With --wait, waits
for the run and prints its result (on a terminal, with progress on stderr); exits 1 if it failed.`,
  args: [RULE_ID_ARG],
  options: {
    wait: { type: 'boolean', description: 'wait for the run and print its result' },
    json: JSON_OPTION,
  },
  examples: ['audit-collect trigger acme-audit', 'audit-collect trigger acme-audit --wait --json'],
  environment: TEMPORAL_ENVIRONMENT,
  async run({ options, args }) {
    const { ruleId } = args;
    const wait = options.wait ?? false;
    const client = await connectClient();
    const triggering = triggerRule({ client, ruleId, wait });
    const outcome = wait ? await withProgress({ label: `waiting for the run of ${ruleId}...`, work: triggering }) : await triggering;
    print({ json: options.json ?? false, value: outcome, text: () => outcomeText(outcome, wait) });
    return outcome.started && wait && outcome.run.status !== 'COMPLETED' ? EXIT.failed : EXIT.ok;
  },
});
