// One run of a rule as `status` and `trigger --wait` report it: state, result or failure, and the
// batch being retried while it runs.
import { ApplicationFailure, type Client, WorkflowFailedError } from '@temporalio/client';
import { UndecryptablePayloadError } from '../../secrets/encryption';
import type { CollectResult } from '../../model/types';
import { readerOf } from '../schedules/read';

export interface RunInfo {
  workflowId: string;
  runId: string;
  status: string;
  startedAt: string;
  closedAt: string | null;
  failure?: string;
  /** The failure's class, e.g. AtlassianUnauthorized (see common/errors.ts). */
  failureType?: string;
  /** While running: a batch being retried after a transient error, since its first attempt. */
  retrying?: { activity: string; attempt: number; type: string; message: string; since: string };
}

export async function runInfo(client: Client, workflowId: string, runId: string): Promise<RunInfo & { result?: CollectResult }> {
  const handle = client.workflow.getHandle(workflowId, runId);
  // The run's memo may use a key since dropped; its result must decrypt (strict `handle`).
  const d = await readerOf(client).workflow.getHandle(workflowId, runId).describe();
  const info: RunInfo & { result?: CollectResult } = {
    workflowId,
    runId,
    status: d.status.name,
    startedAt: d.startTime.toISOString(),
    closedAt: d.closeTime?.toISOString() ?? null,
  };
  if (d.status.name === 'COMPLETED') info.result = (await handle.result()) as CollectResult;
  if (d.status.name === 'FAILED') {
    try {
      await handle.result();
    } catch (error) {
      if (error instanceof UndecryptablePayloadError) throw error;
      info.failure = error instanceof WorkflowFailedError && error.cause ? error.cause.message : String(error);
      if (error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure && error.cause.type)
        info.failureType = error.cause.type;
    }
  }
  if (d.status.name === 'RUNNING') {
    const pending = d.raw.pendingActivities?.find((a) => a.lastFailure);
    if (pending?.lastFailure) {
      info.retrying = {
        activity: pending.activityType?.name ?? 'activity',
        attempt: pending.attempt ?? 0,
        type: pending.lastFailure.applicationFailureInfo?.type ?? 'Error',
        message: pending.lastFailure.message ?? '',
        since: (await firstScheduled({ client, workflowId, runId, activityId: pending.activityId })) ?? info.startedAt,
      };
    }
  }
  return info;
}

/**
 * When a pending activity was first scheduled: retries add no history events, so its scheduled
 * event, at or near the end of the history, dates its first attempt. Undefined if not found.
 */
async function firstScheduled(params: {
  client: Client;
  workflowId: string;
  runId: string;
  activityId?: string | null;
}): Promise<string | undefined> {
  try {
    const { history } = await params.client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: params.client.options.namespace,
      execution: { workflowId: params.workflowId, runId: params.runId },
      maximumPageSize: 20,
    });
    const event = history?.events?.find((e) => e.activityTaskScheduledEventAttributes?.activityId === params.activityId);
    const seconds = event?.eventTime?.seconds;
    return seconds == null ? undefined : new Date(Number(seconds) * 1000 + Math.floor((event?.eventTime?.nanos ?? 0) / 1e6)).toISOString();
  } catch {
    return undefined;
  }
}
