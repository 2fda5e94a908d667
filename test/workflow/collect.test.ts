// The collect workflow as a specification, on a Temporal dev server with fake activities: what a
// needs-a-human failure does, where the batch cap ends a run, and what a run hands to the next.
import { ApplicationFailure, ScheduleOverlapPolicy } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Activities } from '../../src/activities';
import type { BatchInput, BatchResult, CollectInput, CollectResult, CollectState } from '../../src/model/types';
import { collectWorkflow } from '../../src/workflows/collect';
import { MAX_BATCHES_PER_RUN } from '../../src/model/limits';
import { fakeRule } from '../helpers/fakes';
import { createTestEnv, sleep } from '../helpers/workflow-env';
import { START, START_MS, applicationFailureOf, withWorker } from '../helpers/fake-workers';

type FakeActivities = Pick<Activities, 'resolveStart' | 'collectBatch' | 'pauseRule' | 'notify'>;

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createTestEnv();
});

afterAll(async () => {
  await env?.teardown();
});

/** A batch that writes one object of `events` events, one second of stream further on. */
function advance(state: CollectState, events: number, caughtUp: boolean): BatchResult {
  const atMs = state.position.atMs + 1000;
  const key = `p/k-${atMs}`;
  return {
    state: {
      position: { atMs, idsAtMs: [`e-${atMs}`], cursor: `c-${atMs}` },
      startPointMs: state.startPointMs,
      lastProcessedAt: new Date(atMs).toISOString(),
      totals: { events: state.totals.events + events, objects: state.totals.objects + 1, bytes: state.totals.bytes + 100 },
    },
    events,
    rawBytes: 400,
    bytes: 100,
    objects: 1,
    keys: [key],
    caughtUp,
  };
}

/** Activities that record their calls; each test overrides what it specifies. */
function fakes(overrides: Partial<FakeActivities> = {}) {
  const calls = { resolveStart: 0, batches: [] as BatchInput[], pauses: [] as Array<{ ruleId: string; note: string }> };
  const activities: FakeActivities = {
    async resolveStart() {
      calls.resolveStart += 1;
      return START;
    },
    async collectBatch(input) {
      return advance(input.state, 10, true);
    },
    async pauseRule(params) {
      calls.pauses.push(params);
    },
    // A worker without a webhook: notices are not sent.
    async notify() {
      return { sent: false };
    },
    ...overrides,
  };
  const recorded: FakeActivities = {
    ...activities,
    collectBatch: async (input) => {
      calls.batches.push(input);
      return activities.collectBatch(input);
    },
  };
  return { calls, activities: recorded };
}

/** Runs the collect workflow with `input` on a worker of its own with `activities`; returns its result. */
function collectRun(activities: FakeActivities, workflowId: string, input: CollectInput): Promise<CollectResult> {
  return withWorker(env, 'collect-spec', activities, (taskQueue) =>
    env.client.workflow.execute(collectWorkflow, { taskQueue, workflowId, args: [input] }),
  );
}

/** Runs the collect workflow with fakes overridden by `overrides`, expecting it to fail: the calls made and the failure. */
async function failedRun(overrides: Partial<FakeActivities>, workflowId: string, input: CollectInput) {
  const { calls, activities } = fakes(overrides);
  const failure = await applicationFailureOf(collectRun(activities, workflowId, input));
  return { calls, failure };
}

/** An activity that fails in a way that needs a human: not retried. */
const failsForAHuman = (message: string, type: string) => async (): Promise<never> => {
  throw ApplicationFailure.nonRetryable(message, type);
};

describe('a needs-a-human failure pauses the rule with a note naming it and fails the run', () => {
  test('from a batch', async () => {
    const { calls, failure } = await failedRun(
      { collectBatch: failsForAHuman('Atlassian answered 401 Unauthorized: create a new API key', 'AtlassianUnauthorized') },
      'collect-401',
      { rule: fakeRule, state: START },
    );
    expect(failure.message).toBe('rule r1: Atlassian answered 401 Unauthorized: create a new API key');
    expect(failure.type).toBe('AtlassianUnauthorized');
    expect(failure.nonRetryable).toBe(true);
    expect(calls.pauses).toEqual([{ ruleId: 'r1', note: 'rule r1: Atlassian answered 401 Unauthorized: create a new API key' }]);
    // Not retried: the one attempt is the only call.
    expect(calls.batches).toHaveLength(1);
  });

  test('from resolving the start point', async () => {
    const { calls, failure } = await failedRun(
      { resolveStart: failsForAHuman('the checkpoint is not valid JSON', 'CheckpointInvalid') },
      'collect-bad-checkpoint',
      { rule: fakeRule },
    );
    expect(failure.message).toBe('rule r1: the checkpoint is not valid JSON');
    expect(failure.type).toBe('CheckpointInvalid');
    expect(calls.pauses).toEqual([{ ruleId: 'r1', note: 'rule r1: the checkpoint is not valid JSON' }]);
    expect(calls.batches).toEqual([]);
  });
});

test(`a run not caught up after ${MAX_BATCHES_PER_RUN} batches ends successfully with its state`, async () => {
  const { calls, activities } = fakes({ collectBatch: async (input) => advance(input.state, 5, false) });
  const result = await collectRun(activities, 'collect-capped', { rule: fakeRule, state: START });
  expect(calls.batches).toHaveLength(MAX_BATCHES_PER_RUN);
  expect(result.run).toMatchObject({
    batches: MAX_BATCHES_PER_RUN,
    caughtUp: false,
    events: 5 * MAX_BATCHES_PER_RUN,
    objects: MAX_BATCHES_PER_RUN,
  });
  const last = advance(calls.batches.at(-1)!.state, 5, false).state;
  expect(result.position).toEqual(last.position);
  expect(result.position.atMs).toBe(START_MS + MAX_BATCHES_PER_RUN * 1000);
  expect(result.totals).toEqual({ events: 5 * MAX_BATCHES_PER_RUN, objects: MAX_BATCHES_PER_RUN, bytes: 100 * MAX_BATCHES_PER_RUN });
  expect(result.lastProcessedAt).toBe(new Date(START_MS + MAX_BATCHES_PER_RUN * 1000).toISOString());
  // The result keeps only the first keys, so the history stays small.
  expect(result.run.objectKeys).toHaveLength(20);
});

test('each batch starts where the previous one ended, and a run stops once caught up', async () => {
  let n = 0;
  const { calls, activities } = fakes({ collectBatch: async (input) => advance(input.state, 7, ++n === 3) });
  const result = await collectRun(activities, 'collect-three', { rule: fakeRule, state: START });
  expect(calls.batches.map((b) => b.state.position.atMs)).toEqual([START_MS, START_MS + 1000, START_MS + 2000]);
  expect(result.run).toEqual({
    events: 21,
    objects: 3,
    bytes: 300,
    batches: 3,
    caughtUp: true,
    objectKeys: [1, 2, 3].map((s) => `p/k-${START_MS + s * 1000}`),
  });
});

test('a run given a state starts there and resolves no start point', async () => {
  const given = advance(START, 42, true).state;
  const { calls, activities } = fakes();
  const result = await collectRun(activities, 'collect-given-state', { rule: fakeRule, state: given });
  expect(calls.resolveStart).toBe(0);
  expect(calls.batches[0]?.state).toEqual(given);
  expect(result.totals).toEqual({ events: 52, objects: 2, bytes: 200 });
});

/**
 * Waits for the schedule's `n`th run to close, as the schedule sees it (it takes the run's result
 * for the next run only then), and returns its result.
 */
async function nthScheduledResult(scheduleId: string, n: number): Promise<CollectResult> {
  const handle = env.client.schedule.getHandle(scheduleId);
  for (;;) {
    const { recentActions, runningActions } = (await handle.describe()).info;
    const nth = recentActions[n - 1];
    if (nth && runningActions.length === 0) {
      const { workflowId, firstExecutionRunId } = nth.action.workflow;
      return env.client.workflow.getHandle<typeof collectWorkflow>(workflowId, firstExecutionRunId).result();
    }
    await sleep(100);
  }
}

test('the schedule hands each run the last result: the next run starts at its position, with its totals and health', async () => {
  const { calls, activities } = fakes();
  const scheduleId = 'collect-spec-schedule';
  const [first, second] = await withWorker(env, 'collect-spec', activities, async (taskQueue) => {
    const handle = await env.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: collectWorkflow, args: [{ rule: fakeRule }], taskQueue },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
    try {
      // As `audit-collect trigger` does: a trigger without SKIP (ALLOW_ALL) would neither receive nor record the last result.
      await handle.trigger(ScheduleOverlapPolicy.SKIP);
      const first = await nthScheduledResult(scheduleId, 1);
      await handle.trigger(ScheduleOverlapPolicy.SKIP);
      return [first, await nthScheduledResult(scheduleId, 2)];
    } finally {
      await handle.delete();
    }
  });

  // Only the first run, with no result to start from, resolves its start point.
  expect(calls.resolveStart).toBe(1);
  expect(calls.batches.map((b) => b.state)).toEqual([
    START,
    { position: first.position, startPointMs: first.startPointMs, lastProcessedAt: first.lastProcessedAt, totals: first.totals },
  ]);

  expect(first).toMatchObject({
    ruleId: 'r1',
    position: { atMs: START_MS + 1000, idsAtMs: [`e-${START_MS + 1000}`], cursor: `c-${START_MS + 1000}` },
    totals: { events: 10, objects: 1, bytes: 100 },
  });
  expect(second).toMatchObject({
    ruleId: 'r1',
    position: { atMs: START_MS + 2000 },
    startPointMs: START_MS,
    totals: { events: 20, objects: 2, bytes: 200 },
  });
  expect(second.run).toMatchObject({ events: 10, batches: 1, caughtUp: true });
  // Health carries over: both runs' events are counted in the last day's hours.
  const eventsInHours = (r: CollectResult) => r.health!.hourlyEvents.reduce((sum, [, events]) => sum + events, 0);
  expect(eventsInHours(first)).toBe(10);
  expect(eventsInHours(second)).toBe(20);
  expect(Date.parse(second.health!.lastWrittenAt!)).toBeGreaterThanOrEqual(Date.parse(first.health!.lastWrittenAt!));
});

test('a batch superseded by another writer ends the run with the checkpoint it found, without pausing the rule', async () => {
  const theirs = advance(advance(START, 10, false).state, 10, false).state;
  const { calls, activities } = fakes({
    async collectBatch(input) {
      // The first batch finds the checkpoint moved on by another writer of the rule.
      return calls.batches.length === 1
        ? { ...advance(input.state, 0, false), state: theirs, objects: 0, keys: [], superseded: true }
        : advance(input.state, 10, true);
    },
  });
  const result = await collectRun(activities, 'superseded-run', { rule: fakeRule });
  expect(calls.batches).toHaveLength(1);
  expect(calls.pauses).toEqual([]);
  expect(result.run).toMatchObject({ batches: 1, caughtUp: false, superseded: true });
  expect(result.position).toEqual(theirs.position);
  expect(result.totals).toEqual(theirs.totals);
});

test('a rule that cannot be paused still fails its run with the reason, and says it is not paused', async () => {
  const { failure } = await failedRun(
    {
      collectBatch: failsForAHuman('Atlassian answered 401 Unauthorized: create a new API key', 'AtlassianUnauthorized'),
      pauseRule: failsForAHuman('the schedule audit-collect-r1 is gone', 'ScheduleNotFound'),
    },
    'collect-unpausable',
    { rule: fakeRule, state: START },
  );
  expect(failure.message).toBe(
    'rule r1: Atlassian answered 401 Unauthorized: create a new API key (not paused: the schedule audit-collect-r1 is gone)',
  );
  expect(failure.type).toBe('AtlassianUnauthorized');
});
