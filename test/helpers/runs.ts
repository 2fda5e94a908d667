// What the simulator served and what a rule's runs collected, for e2e tests to compare.
import type { Client } from '@temporalio/client';
import { triggerRule } from '../../src/client/schedules';
import type { CollectResult } from '../../src/model/types';

/** Every event the simulator at `simUrl` serves for `orgId`, in stream order. */
export async function servedEvents(simUrl: string, orgId: string): Promise<Array<{ id: string; attributes: { processedAt: string } }>> {
  const text = await (await fetch(`${simUrl}/_sim/orgs/${orgId}/events`)).text();
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

/** Triggers a run of the rule, waits for it, expects it COMPLETED and returns its result. */
export async function completedRun(client: Client, ruleId: string): Promise<CollectResult> {
  const outcome = await triggerRule({ client, ruleId, wait: true });
  if (!outcome.started) throw new Error(outcome.reason);
  expect(outcome.run.status).toBe('COMPLETED');
  return outcome.run.result!;
}
