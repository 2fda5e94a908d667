// Deleting a rule's schedule without leaving its run writing: pause it (no new run starts), end the
// rule's open collect runs, then delete it. Used by `delete` and `apply --prune`.
import type { Client } from '@temporalio/client';
import { scheduleId } from '../../model/ids';
import { type EndRuns, type EndedRuns, type OpenRun, endOpenRuns, endedRuns, openCollectRuns } from './open-runs';
import { describeOrThrow } from './read';

export type RetireResult = { deleted: true; ended: EndedRuns } | { deleted: false; stillOpen: OpenRun[]; wait: string };

/** Deletes the rule's schedule once no collect run of the rule is open; else leaves it paused. */
export async function retireSchedule(params: { client: Client; ruleId: string; end: EndRuns; by: string }): Promise<RetireResult> {
  const { client, ruleId, end } = params;
  const handle = client.schedule.getHandle(scheduleId(ruleId));
  const before = await describeOrThrow(client, ruleId);
  // An operator's pause keeps its note.
  if (!before.state.paused) await handle.pause(`being deleted (${params.by}): waiting for its open run to finish`);
  // Described after the pause, so a run started just before it is among the running actions.
  const schedule = await describeOrThrow(client, ruleId);
  const runs = await openCollectRuns({ client, ruleId, schedule });
  const stillOpen = await endOpenRuns({ client, runs, end });
  if (stillOpen.length > 0 && end.kind === 'wait') return { deleted: false, stillOpen, wait: end.wait };
  await handle.delete();
  return { deleted: true, ended: endedRuns({ runs, end }) };
}
