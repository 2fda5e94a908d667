import { ApplicationFailure, proxyActivities, workflowInfo, ActivityFailure } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  MAX_KEYS_IN_RESULT,
  type BatchResult,
  type CollectInput,
  type CollectResult,
  type CollectState,
  type RunSummary,
} from './types';
import { advance } from './state';

// A batch follows up to a few pages and uploads once; retries are unbounded in count but back off
// to two minutes, so an outage of Atlassian or S3 waits instead of failing the run.
const { collectBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes' },
});

const { resolveStart } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Upper bound on batches per run: keeps one run's history small; the next run continues. */
export const MAX_BATCHES_PER_RUN = 200;

function isCollectResult(value: unknown): value is CollectResult {
  return typeof value === 'object' && value !== null && 'position' in value && 'totals' in value;
}

/**
 * One scheduled collection run for one rule. The cursor comes from the last successful run
 * (the schedule passes its result), else from the rule's checkpoint in S3, else from `startFrom`.
 * Every successful run returns the cursor: returning nothing would erase it.
 */
export async function collectWorkflow(input: CollectInput): Promise<CollectResult> {
  const { rule } = input;
  const lastResult = workflowInfo().lastResult;
  let state: CollectState =
    input.state ?? (isCollectResult(lastResult) ? lastResult : await resolveStart({ rule }));

  const run: RunSummary = { events: 0, objects: 0, bytes: 0, batches: 0, caughtUp: false, objectKeys: [] };
  while (!run.caughtUp && run.batches < MAX_BATCHES_PER_RUN) {
    let batch: BatchResult;
    try {
      batch = await collectBatch({ rule, state });
    } catch (err) {
      throw needsAHuman(rule.id, err);
    }
    state = advance(state, batch);
    run.batches += 1;
    run.events += batch.events;
    run.bytes += batch.bytes;
    run.caughtUp = batch.caughtUp;
    if (batch.key) {
      run.objects += 1;
      if (run.objectKeys.length < MAX_KEYS_IN_RESULT) run.objectKeys.push(batch.key);
    }
  }
  return {
    ruleId: rule.id,
    position: state.position,
    startPointMs: state.startPointMs,
    lastProcessedAt: state.lastProcessedAt,
    totals: state.totals,
    run,
  };
}

/** Activities only fail for good on needs-a-human errors; name the rule and keep the cause's advice. */
function needsAHuman(ruleId: string, err: unknown): ApplicationFailure {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const message = cause instanceof Error ? cause.message : String(cause);
  const type = cause instanceof ApplicationFailure && cause.type ? cause.type : 'CollectFailed';
  return ApplicationFailure.create({
    message: `rule ${ruleId}: ${message}`,
    type,
    nonRetryable: true,
  });
}
