// audit-collect delete: remove a rule's schedule once its open run has ended; its checkpoint in S3 stays.
import { defineCommand } from '../command';
import { connectClient } from '../../temporal/client';
import { EXIT } from '../exit-codes';
import { withProgress } from '../progress';
import { deleteSchedule, type EndedRuns } from '../../client/schedules';
import { RULE_ID_ARG, TEMPORAL_ENVIRONMENT } from './common';
import { endRunsOf, openRunOptions } from './open-run-options';

function doneText(ruleId: string, ended: EndedRuns): string {
  const runs = ended.workflowIds.join(', ');
  const after = ended.workflowIds.length === 0 ? '' : ended.how === 'terminated' ? ` (terminated ${runs})` : ` (after ${runs} finished)`;
  return `deleted the schedule of ${ruleId}${after}; its checkpoint stays in S3, so applying it again resumes`;
}

export const deleteCommand = defineCommand({
  name: 'delete',
  summary: "delete a rule's schedule once its open run has ended (its checkpoint in S3 stays)",
  description: `Deletes a rule's schedule. First it pauses the schedule, so no new run starts, and waits for the
rule's open collect run (of this schedule, or left by an earlier deleted one) to finish: a run left
behind would keep writing beside the runs of the rule applied again. --terminate ends it at once
instead. If the run is still open after --wait, nothing is deleted: the command exits 1 naming the
run, with the schedule left paused (delete again later, use --terminate, or resume the rule).
Backfills are not touched. The checkpoint in S3 stays, so applying the rule again resumes from its
cursor instead of starting over.`,
  args: [RULE_ID_ARG],
  options: openRunOptions({ wait: "how long to wait for the rule's open run to finish" }),
  examples: [
    'audit-collect delete acme-audit',
    'audit-collect delete acme-audit --wait 10m',
    'audit-collect delete acme-audit --terminate',
  ],
  environment: TEMPORAL_ENVIRONMENT,
  async run({ options, args }) {
    const { ruleId } = args;
    const end = endRunsOf({ ...options, reason: 'deleted with audit-collect delete --terminate', nowMs: Date.now() });
    const client = await connectClient();
    const ended = await withProgress({
      label: `deleting ${ruleId} (waiting for its open run, if any)...`,
      work: deleteSchedule({ client, ruleId, end }),
    });
    console.log(doneText(ruleId, ended));
    return EXIT.ok;
  },
});
