// A backfill's progress, and cancelling it.
import { progressQuery, sliceStateQuery, slicesQuery } from '../../model/queries';
import {
  type Client,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import type { backfillWorkflow } from '../../workflows/backfill';
import { sliceWorkflowId } from '../../model/ids';
import { summarize, type BackfillProgress } from '../../model/backfill';
import { BackfillNotFoundError } from './errors';

export interface BackfillStatus {
  backfillId: string;
  status: string;
  failure?: string;
  progress: BackfillProgress;
}

/** The backfill workflow's description; BackfillNotFoundError when the ID names no backfill. */
async function describeBackfill(handle: WorkflowHandle, backfillId: string): Promise<WorkflowExecutionDescription> {
  let description: WorkflowExecutionDescription;
  try {
    description = await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new BackfillNotFoundError(backfillId);
    throw error;
  }
  if (description.type !== 'backfillWorkflow') throw new BackfillNotFoundError(backfillId);
  return description;
}

/**
 * The backfill's progress: the workflow's own view of its slices, refined with each running
 * slice's latest state (asked of the slice) and the pace as of now.
 */
export async function backfillStatus(params: { client: Client; backfillId: string; nowMs?: number }): Promise<BackfillStatus> {
  const handle = params.client.workflow.getHandle<typeof backfillWorkflow>(params.backfillId);
  const description = await describeBackfill(handle, params.backfillId);
  const status = description.status.name;
  // A completed backfill's result is its final progress: no worker needed to answer.
  if (status === 'COMPLETED') return { backfillId: params.backfillId, status, progress: await handle.result() };
  const slices = await handle.query(slicesQuery);
  await Promise.all(
    slices
      .filter((s) => s.status === 'running')
      .map(async (s) => {
        try {
          s.state = await params.client.workflow.getHandle(sliceWorkflowId(params.backfillId, s.index)).query(sliceStateQuery);
        } catch {
          // A slice between runs (continuing as new, or its worker gone) answers later.
        }
      }),
  );
  const base = await handle.query(progressQuery);
  const progress = summarize({
    backfillId: params.backfillId,
    range: {
      ruleId: base.ruleId,
      fromMs: Date.parse(base.from),
      toMs: Date.parse(base.to),
      concurrency: base.concurrency,
      liveStartMs: Date.parse(base.liveStart),
    },
    slices,
    startedAtMs: description.startTime.getTime(),
    nowMs: description.closeTime?.getTime() ?? params.nowMs ?? Date.now(),
  });
  const result: BackfillStatus = { backfillId: params.backfillId, status, progress };
  if (status === 'FAILED') {
    try {
      await handle.result();
    } catch (error) {
      // A slice's failure arrives wrapped as a child-workflow failure; its cause says what to fix.
      const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
      result.failure = (cause?.cause instanceof Error ? cause.cause.message : cause?.message) ?? String(error);
    }
  }
  return result;
}

/** Requests cancellation; the running slices stop after their current batch. */
export async function cancelBackfill(params: { client: Client; backfillId: string }): Promise<{ cancelled: boolean; status: string }> {
  const handle = params.client.workflow.getHandle(params.backfillId);
  const description = await describeBackfill(handle, params.backfillId);
  if (description.status.name !== 'RUNNING') return { cancelled: false, status: description.status.name };
  await handle.cancel();
  return { cancelled: true, status: 'CANCEL_REQUESTED' };
}
