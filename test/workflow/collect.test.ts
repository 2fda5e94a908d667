// The collect workflow as a specification, on a Temporal dev server with fake activities: what a
// needs-a-human failure does, where the batch cap ends a run, and what a run hands to the next.
import { ApplicationFailure, ScheduleOverlapPolicy, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { startPosition } from '../../src/model/position';
import type { BatchInput, BatchResult, CollectResult, CollectState } from '../../src/model/types';
import { MAX_BATCHES_PER_RUN, collectWorkflow } from '../../src/workflows/collect';
import { fakeRule } from '../helpers/fakes';
import { createTestEnv, sleep, workflowsPath } from './env';

type FakeActivities = Pick<Activities, 'resolveStart' | 'collectBatch' | 'pauseRule'>;

const START_MS = Date.UTC(2026, 0, 1);
const START: CollectState = {
  position: startPosition(START_MS),
  startPointMs: START_MS,
  lastProcessedAt: null,
  totals: { events: 0, objects: 0, bytes: 0 },
};

let env: TestWorkflowEnvironment;
let queue = 0;

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

async function withWorker<T>(activities: FakeActivities, body: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `collect-spec-${++queue}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
  return worker.runUntil(body(taskQueue));
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('a needs-a-human failure pauses the rule with a note naming it and fails the run', () => {
  test('from a batch', async () => {
    const { calls, activities } = fakes({
      async collectBatch() {
        throw ApplicationFailure.nonRetryable('Atlassian answered 401 Unauthorized: create a new API key', 'AtlassianUnauthorized');
      },
    });
    const failure = await withWorker(activities, (taskQueue) =>
      failureOf(
        env.client.workflow.execute(collectWorkflow, { taskQueue, workflowId: 'collect-401', args: [{ rule: fakeRule, state: START }] }),
      ),
    );
    expect(failure.message).toBe('rule r1: Atlassian answered 401 Unauthorized: create a new API key');
    expect(failure.type).toBe('AtlassianUnauthorized');
    expect(failure.nonRetryable).toBe(true);
    expect(calls.pauses).toEqual([{ ruleId: 'r1', note: 'rule r1: Atlassian answered 401 Unauthorized: create a new API key' }]);
    // Not retried: the one attempt is the only call.
    expect(calls.batches).toHaveLength(1);
  });

  test('from resolving the start point', async () => {
    const { calls, activities } = fakes({
      async resolveStart() {
        throw ApplicationFailure.nonRetryable('the checkpoint is not valid JSON', 'CheckpointInvalid');
      },
    });
    const failure = await withWorker(activities, (taskQueue) =>
      failureOf(
        env.client.workflow.execute(collectWorkflow, { taskQueue, workflowId: 'collect-bad-checkpoint', args: [{ rule: fakeRule }] }),
      ),
    );
    expect(failure.message).toBe('rule r1: the checkpoint is not valid JSON');
    expect(failure.type).toBe('CheckpointInvalid');
    expect(calls.pauses).toEqual([{ ruleId: 'r1', note: 'rule r1: the checkpoint is not valid JSON' }]);
    expect(calls.batches).toEqual([]);
  });
});

test(`a run not caught up after ${MAX_BATCHES_PER_RUN} batches ends successfully with its state`, async () => {
  const { calls, activities } = fakes({ collectBatch: async (input) => advance(input.state, 5, false) });
  const result = await withWorker(activities, (taskQueue) =>
    env.client.workflow.execute(collectWorkflow, { taskQueue, workflowId: 'collect-capped', args: [{ rule: fakeRule, state: START }] }),
  );
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
  const result = await withWorker(activities, (taskQueue) =>
    env.client.workflow.execute(collectWorkflow, { taskQueue, workflowId: 'collect-three', args: [{ rule: fakeRule, state: START }] }),
  );
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
  const result = await withWorker(activities, (taskQueue) =>
    env.client.workflow.execute(collectWorkflow, {
      taskQueue,
      workflowId: 'collect-given-state',
      args: [{ rule: fakeRule, state: given }],
    }),
  );
  expect(calls.resolveStart).toBe(0);
  expect(calls.batches[0].state).toEqual(given);
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
    if (recentActions.length >= n && runningActions.length === 0) {
      const { workflowId, firstExecutionRunId } = recentActions[n - 1].action.workflow;
      return env.client.workflow.getHandle<typeof collectWorkflow>(workflowId, firstExecutionRunId).result();
    }
    await sleep(100);
  }
}

test('the schedule hands each run the last result: the next run starts at its position, with its totals and health', async () => {
  const { calls, activities } = fakes();
  const scheduleId = 'collect-spec-schedule';
  const [first, second] = await withWorker(activities, async (taskQueue) => {
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
