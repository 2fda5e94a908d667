// A backfill fills `[from, to)` of one rule: the whole UTC days that hold it, one slice (a child
// workflow with its own position) a day, run a few at a time. Nothing here touches the live rule's cursor or
// checkpoint; events live collection owns (processedAt >= T0) are dropped by the batch activity.
import {
  ParentClosePolicy,
  continueAsNew,
  executeChild,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  advanceSlice,
  initialSliceState,
  planSlices,
  summarize,
  type BackfillInput,
  type BackfillProgress,
  type SliceInput,
  type SliceReport,
  type SliceState,
} from '../model/backfill';
import { sliceWorkflowId } from '../model/ids';
import { runFailure } from './collect';
import { DEFAULT_HEARTBEAT_TIMEOUT } from '../model/types';
import { BATCH_ACTIVITY_OPTIONS } from '../model/activity-options';
import { MAX_BATCHES_PER_RUN } from '../model/limits';
import { progressQuery, sliceStateQuery, slicesQuery } from '../model/queries';

export async function backfillWorkflow(input: BackfillInput): Promise<BackfillProgress> {
  const { workflowId, startTime } = workflowInfo();
  const slices: SliceReport[] = planSlices(input).map((spec) => ({ ...spec, status: 'pending', state: null }));
  const range = {
    ruleId: input.rule.id,
    fromMs: input.fromMs,
    toMs: input.toMs,
    liveStartMs: input.liveStartMs,
    concurrency: input.concurrency,
  };
  const progress = () => summarize({ backfillId: workflowId, range, slices, startedAtMs: startTime.getTime(), nowMs: Date.now() });
  setHandler(progressQuery, progress);
  setHandler(slicesQuery, () => slices);
  const showDetails = () => setCurrentDetails(details(progress()));
  showDetails();

  async function runSlice(slice: SliceReport): Promise<void> {
    slice.status = 'running';
    const { status: _status, state: _state, ...spec } = slice;
    const args: [SliceInput] = [{ rule: input.rule, slice: spec, liveStartMs: input.liveStartMs }];
    slice.state = await executeChild(backfillSliceWorkflow, {
      workflowId: sliceWorkflowId(workflowId, slice.index),
      args,
      // A cancelled or failed backfill asks its running slices to stop instead of killing them mid-upload.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      staticSummary: `slice ${slice.index + 1}/${slices.length} of ${workflowId}: ${new Date(slice.fromMs).toISOString()} to ${new Date(slice.toMs).toISOString()}`,
    });
    slice.status = 'done';
    showDetails();
  }

  const running = new Set<Promise<void>>();
  for (const slice of slices) {
    while (running.size >= input.concurrency) await Promise.race(running);
    const promise: Promise<void> = runSlice(slice).finally(() => running.delete(promise));
    running.add(promise);
  }
  await Promise.all(running);
  return progress();
}

/** One slice: batches from its own cursor until its window is exhausted. */
export async function backfillSliceWorkflow(input: SliceInput): Promise<SliceState> {
  const { rule, slice } = input;
  // As for live batches: transient errors are retried forever with backoff up to two minutes.
  const { backfillBatch } = proxyActivities<Activities>({
    ...BATCH_ACTIVITY_OPTIONS,
    heartbeatTimeout: (rule.heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT) as Duration,
  });
  let state = input.state ?? initialSliceState(slice);
  setHandler(sliceStateQuery, () => state);
  for (let batches = 0; !state.done; batches++) {
    if (batches >= MAX_BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof backfillSliceWorkflow>({ ...input, state });
    }
    try {
      const batch = await backfillBatch.executeWithOptions(
        { summary: `${rule.id} backfill slice ${slice.index + 1} batch ${state.batches + 1}` },
        [{ rule, slice, liveStartMs: input.liveStartMs, position: state.position, eventsSoFar: state.events }],
      );
      state = advanceSlice(state, batch);
    } catch (err) {
      if (isCancellation(err)) throw err;
      throw runFailure(rule.id, err);
    }
    setCurrentDetails(
      `**${rule.id}** backfill slice ${slice.index + 1}: ${state.events} events in ${state.objects} objects (${state.bytes} bytes)` +
        `${state.dropped ? `, ${state.dropped} left to live collection` : ''}; at processedAt ${state.lastProcessedAt ?? '(none yet)'}${state.done ? ', done' : ''}`,
    );
  }
  return state;
}

/** Markdown the Web UI shows as the backfill's current details. */
function details(p: BackfillProgress): string {
  return [
    `**${p.ruleId}** backfill ${p.from} to ${p.to}: ${Math.floor(p.fraction * 100)}% (${p.slices.done}/${p.slices.total} slices done, ${p.slices.running} running, concurrency ${p.concurrency})`,
    `${p.events} events in ${p.objects} objects (${p.bytes} bytes)${p.dropped ? `; ${p.dropped} at or after ${p.liveStart} left to live collection` : ''}`,
    `everything processed before ${p.position} is written`,
  ].join('\n\n');
}
