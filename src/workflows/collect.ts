import {
  ApplicationFailure,
  proxyActivities,
  workflowInfo,
  ActivityFailure,
  metricMeter,
  setCurrentDetails,
  patched,
  condition,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  DEFAULT_HEARTBEAT_TIMEOUT,
  MAX_KEYS_IN_RESULT,
  type BatchResult,
  type CollectInput,
  type CollectResult,
  type CollectState,
  type RuleSpec,
  type RunSummary,
} from '../model/types';
import { normalizeState } from '../model/position';
import { BATCH_ACTIVITY_OPTIONS, PAUSE_RULE_ACTIVITY_OPTIONS, RESOLVE_START_ACTIVITY_OPTIONS } from '../model/activity-options';
import { stateAfter } from '../model/state';
import { carryHealth } from '../model/health';
import { parseDuration } from '../model/duration';
import { createNotices, previousNotice, withNotice, type Notices } from './notices';
import { FAILING_AFTER_INTERVALS, MAX_BATCHES_PER_RUN } from '../model/limits';

const { resolveStart } = proxyActivities<Activities>(RESOLVE_START_ACTIVITY_OPTIONS);
const { pauseRule } = proxyActivities<Activities>(PAUSE_RULE_ACTIVITY_OPTIONS);

/**
 * A batch writes one or more objects (for up to the worker's batch time) and returns where it got
 * to; a retried batch resumes after its last object from its heartbeat details. Retries are
 * unbounded in count but back off to two minutes, so an outage of Atlassian or S3 waits instead of
 * failing the run. The activity heartbeats while alive, so a killed worker's batch is retried
 * elsewhere after `heartbeatTimeout`.
 */
function batchActivities(heartbeatTimeout: Duration) {
  return proxyActivities<Activities>({ ...BATCH_ACTIVITY_OPTIONS, heartbeatTimeout });
}

function isCollectResult(value: unknown): value is CollectResult {
  return typeof value === 'object' && value !== null && 'position' in value && 'totals' in value;
}

/**
 * One scheduled collection run for one rule. The position comes from the last successful run
 * (the schedule passes its result), else from the rule's checkpoint in S3, else from `startFrom`;
 * each batch moves on to the checkpoint when that is further (a failed run's progress is kept).
 * Every successful run returns the cursor: returning nothing would erase it.
 */
export async function collectWorkflow(input: CollectInput): Promise<CollectResult> {
  const { rule } = input;
  const { collectBatch } = batchActivities((rule.heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT) as Duration);
  const { lastResult, lastFailure } = workflowInfo();
  const notices = createNotices({ rule, previous: previousNotice({ lastResult, lastFailure }) });
  // Asked only where a notice changes the commands, so that runs started before the patch
  // `notify-v1` replay unchanged and a run that has nothing to announce records no patch marker.
  // Becomes deprecatePatch('notify-v1') once no run started without it can be in flight (runs last
  // minutes: one release after 0.2.0), and is kept: a run with no notice must record no marker.
  const noticesOn = () => patched('notify-v1');
  let watched = false;
  // Activities only fail for good on needs-a-human errors: pause the rule with the reason, then fail the run.
  const pauseAndFail = async (err: unknown): Promise<never> => {
    let failure = runFailure(rule.id, err);
    // A rule that cannot be paused still fails its run with the reason, and says it is not paused.
    const unpaused = await pauseRule({ ruleId: rule.id, note: failure.message }).then(
      () => undefined,
      (pauseErr: unknown) => causeOf(pauseErr).message,
    );
    if (unpaused) failure = runFailure(rule.id, err, ` (not paused: ${unpaused})`);
    if (!noticesOn()) throw failure;
    await notices.paused(failure.message);
    throw withNotice(failure, notices.last());
  };
  // The batch also reads the rule's checkpoint and starts from whichever is further along.
  let state: CollectState = normalizeState(
    input.state ?? (isCollectResult(lastResult) ? lastResult : await resolveStart({ rule }).catch(pauseAndFail)),
  );

  const run: RunSummary = { events: 0, objects: 0, bytes: 0, batches: 0, caughtUp: false, objectKeys: [] };
  // A timer per batch costs history events and actions: only while the worker posts notices.
  let watch = isCollectResult(lastResult) && lastResult.notifies === true;
  while (!run.caughtUp && !run.superseded && run.batches < MAX_BATCHES_PER_RUN) {
    let batch: BatchResult;
    try {
      // The summary names the batch in the Web UI's event history and timeline.
      const pending = collectBatch.executeWithOptions({ summary: batchSummary(rule.id, run.batches + 1, state) }, [{ rule, state }]);
      const watching = watch && noticesOn();
      watched ||= watching;
      batch = await (watching ? watchFailing({ batch: pending, rule, batchNo: run.batches + 1, notices }) : pending);
    } catch (err) {
      return pauseAndFail(err);
    }
    state = stateAfter(state, batch);
    watch = batch.notifies ?? watch;
    // Another writer moved the rule's checkpoint on: this run stops; the next one starts from there.
    if (batch.superseded) run.superseded = true;
    run.batches += 1;
    run.events += batch.events;
    run.bytes += batch.bytes;
    run.caughtUp = batch.caughtUp;
    run.objects += batch.objects;
    run.objectKeys.push(...batch.keys.slice(0, MAX_KEYS_IN_RESULT - run.objectKeys.length));
    setCurrentDetails(runDetails(rule.id, run, state));
  }
  if ((watched || notices.owed()) && noticesOn())
    await notices.recovered(
      (since) =>
        `first successful run since the ${since.kind} notice of ${since.at}: ${run.events} events in ${run.batches} batch${run.batches === 1 ? '' : 'es'}, cursor at processedAt ${state.lastProcessedAt ?? '(no events yet)'}`,
    );
  const nowMs = Date.now();
  // Replay-safe: the SDK records workflow metrics only when the code first runs, not on replay.
  metricMeter
    .createGauge('audit_collect_last_success_timestamp_seconds', 'float', 's', 'When the rule last completed a run (epoch seconds)')
    .set(nowMs / 1000, { rule_id: rule.id });
  return {
    ruleId: rule.id,
    position: state.position,
    startPointMs: state.startPointMs,
    lastProcessedAt: state.lastProcessedAt,
    totals: state.totals,
    run,
    health: carryHealth({ previous: isCollectResult(lastResult) ? lastResult.health : undefined, nowMs, events: run.events }),
    ...(notices.last() ? { notice: notices.last() } : {}),
    ...(watch ? { notifies: true } : {}),
  };
}

const DEFAULT_INTERVAL_MS = 5 * 60_000;

/**
 * The batch, raced against a timer of two of the rule's intervals: when the timer wins, the batch
 * has been retrying that long, and the rule is announced as failing while the batch keeps trying.
 * The timer is cancelled when the batch settles.
 */
async function watchFailing<T>(params: { batch: Promise<T>; rule: RuleSpec; batchNo: number; notices: Notices }): Promise<T> {
  const { rule } = params;
  let settled = false;
  const batch = params.batch.finally(() => {
    settled = true;
  });
  const afterMs = FAILING_AFTER_INTERVALS * (parseDuration(rule.interval) ?? DEFAULT_INTERVAL_MS);
  void condition(() => settled, afterMs).then((done) => {
    if (!done)
      params.notices.failing(
        `batch ${params.batchNo} has been retrying for more than ${FAILING_AFTER_INTERVALS} intervals (${FAILING_AFTER_INTERVALS} x ${rule.interval}); it keeps retrying`,
      );
  });
  return batch;
}

function batchSummary(ruleId: string, n: number, state: CollectState): string {
  return `${ruleId} batch ${n} after ${state.lastProcessedAt ?? `start ${new Date(state.startPointMs).toISOString()}`}`;
}

/** Markdown the Web UI shows as the run's current details. */
function runDetails(ruleId: string, run: RunSummary, state: CollectState): string {
  return [
    `**${ruleId}**: ${run.events} events in ${run.objects} objects (${run.bytes} bytes) over ${run.batches} batches${run.caughtUp ? ', caught up' : ''}` +
      (run.superseded ? '; stopped: another writer of the rule moved its checkpoint on' : ''),
    `cursor at processedAt ${state.lastProcessedAt ?? '(no events yet)'}; ${state.totals.events} events written in all`,
  ].join('\n\n');
}

/** What an activity failed with: the cause an ActivityFailure wraps, as an Error. */
function causeOf(err: unknown): Error {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause : new Error(String(cause));
}

/** Activities only fail for good on needs-a-human errors; name the rule and keep the cause's advice (and `more`). */
export function runFailure(ruleId: string, err: unknown, more = ''): ApplicationFailure {
  const cause = causeOf(err);
  const type = cause instanceof ApplicationFailure && cause.type ? cause.type : 'CollectFailed';
  return ApplicationFailure.create({
    message: `rule ${ruleId}: ${cause.message}${more}`,
    type,
    nonRetryable: true,
  });
}
