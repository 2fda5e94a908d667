// Starting a backfill. The workflow ID is derived from the rule and the range, so asking twice
// starts one copy.
import { DEFAULT_WEB_UI, workflowLink } from '../../temporal/settings';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { backfillWorkflow } from '../../workflows/backfill';
import { backfillWorkflowId } from '../../model/ids';
import { planSlices, type BackfillInput } from '../../model/backfill';
import { temporalTarget } from '../../temporal/client';
import { RULE_ID } from '../../model/ids';
import { ruleStatus } from '../status/status';
import { scheduledRule, scheduledTaskQueue } from '../schedules';
import { BackfillRequestError } from './errors';
import { checkRange, iso } from './request';

export interface StartOutcome {
  backfillId: string;
  started: boolean;
  slices: number;
  concurrency: number;
  from: string;
  to: string;
  liveStart: string;
  webUi: string;
}

function webUiUrl(workflowId: string): string {
  return workflowLink({ webUi: process.env.AUDIT_COLLECT_WEB_UI ?? DEFAULT_WEB_UI, namespace: temporalTarget().namespace, workflowId });
}

/** Starts the backfill, or finds the one already running for the same rule and range. */
export async function startBackfill(params: {
  client: Client;
  ruleId: string;
  fromMs: number;
  toMs: number;
  concurrency: number;
  allowOverlap: boolean;
  nowMs?: number;
}): Promise<StartOutcome> {
  const { client, ruleId, fromMs, toMs, concurrency } = params;
  const rule = await scheduledRule({ client, ruleId });
  const live = (await ruleStatus({ client, ruleId })).lastSuccess?.result;
  if (!live) {
    throw new BackfillRequestError(
      `rule ${ruleId} has no completed live run yet, so where live collection starts (its start point T0) is not known. ` +
        `Run 'audit-collect trigger ${ruleId} --wait' first, then ask for the backfill again.`,
    );
  }
  checkRange({
    ruleId,
    fromMs,
    toMs,
    nowMs: params.nowMs ?? Date.now(),
    liveStartMs: live.startPointMs,
    allowOverlap: params.allowOverlap,
  });

  const backfillId = backfillWorkflowId({ ruleId, fromMs, toMs });
  const input: BackfillInput = { rule, fromMs, toMs, concurrency, liveStartMs: live.startPointMs };
  const slices = planSlices(input).length;
  const taskQueue = await scheduledTaskQueue({ client, ruleId });
  const outcome: StartOutcome = {
    backfillId,
    started: true,
    slices,
    concurrency,
    from: iso(fromMs),
    to: iso(toMs),
    liveStart: iso(live.startPointMs),
    webUi: webUiUrl(backfillId),
  };
  try {
    await client.workflow.start<typeof backfillWorkflow>('backfillWorkflow', {
      workflowId: backfillId,
      taskQueue,
      args: [input],
      memo: {
        ruleId,
        displayName: rule.displayName,
        orgId: rule.connection.orgId,
        bucket: rule.destination.bucket,
        prefix: rule.destination.prefix,
        from: outcome.from,
        to: outcome.to,
        liveStart: outcome.liveStart,
        concurrency,
        slices,
      },
      typedSearchAttributes: new TypedSearchAttributes([{ key: RULE_ID, value: ruleId }]),
      staticSummary: `Backfill of ${ruleId}: ${outcome.from} to ${outcome.to} in ${slices} slices, ${concurrency} at a time`,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    outcome.started = false;
  }
  return outcome;
}
