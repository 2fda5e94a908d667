// Notices from the collect workflow, on a Temporal dev server with fake activities: one when a rule
// pauses, one when a batch has been retrying for more than two intervals (rules here have a 1s
// interval), one when it recovers, and no more than that from a rule that flaps.
import { ApplicationFailure, ScheduleOverlapPolicy, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import type { Notice } from '../../src/activities/notify';
import { startPosition } from '../../src/model/position';
import type { BatchInput, BatchResult, CollectState, RuleSpec } from '../../src/model/types';
import { collectWorkflow } from '../../src/workflows/collect';
import { fakeRule } from '../helpers/fakes';
import { createTestEnv, sleep, workflowsPath } from '../helpers/workflow-env';

type FakeActivities = Pick<Activities, 'resolveStart' | 'collectBatch' | 'pauseRule' | 'notify'>;

const START_MS = Date.UTC(2026, 0, 1);
const START: CollectState = {
  position: startPosition(START_MS),
  startPointMs: START_MS,
  lastProcessedAt: null,
  totals: { events: 0, objects: 0, bytes: 0 },
};
/** Two intervals are 2 s: a batch retrying for 3 s makes the rule failing. */
const rule: RuleSpec = { ...fakeRule, interval: '1s' };
const UNAUTHORIZED = 'Atlassian answered 401 Unauthorized: create a new API key';

let env: TestWorkflowEnvironment;
let queue = 0;

beforeAll(async () => {
  env = await createTestEnv();
});

afterAll(async () => {
  await env?.teardown();
});

function advance(state: CollectState, caughtUp: boolean): BatchResult {
  const atMs = state.position.atMs + 1000;
  return {
    state: {
      position: { atMs, idsAtMs: [`e-${atMs}`], cursor: `c-${atMs}` },
      startPointMs: state.startPointMs,
      lastProcessedAt: new Date(atMs).toISOString(),
      totals: { events: state.totals.events + 10, objects: state.totals.objects + 1, bytes: state.totals.bytes + 100 },
    },
    events: 10,
    rawBytes: 400,
    bytes: 100,
    objects: 1,
    keys: [`p/k-${atMs}`],
    caughtUp,
    // The worker has a webhook: from the next batch on, the workflow watches for a failing one.
    notifies: true,
  };
}

/**
 * A batch (told by where it starts) that fails with a retryable error for `ms` after its first
 * attempt, then succeeds; retried every 200 ms.
 */
function retryingFor(ms: (input: BatchInput) => number, caughtUp: (input: BatchInput) => boolean) {
  const firstAttempt = new Map<number, number>();
  return async (input: BatchInput): Promise<BatchResult> => {
    const key = input.state.position.atMs;
    const first = firstAttempt.get(key) ?? Date.now();
    firstAttempt.set(key, first);
    if (Date.now() - first < ms(input)) {
      throw ApplicationFailure.create({ message: 'Atlassian answered 503', type: 'AtlassianServerError', nextRetryDelay: '200 ms' });
    }
    return advance(input.state, caughtUp(input));
  };
}

function fakes(overrides: Partial<FakeActivities> = {}) {
  const notices: Notice[] = [];
  const activities: FakeActivities = {
    resolveStart: async () => START,
    collectBatch: async (input) => advance(input.state, true),
    pauseRule: async () => undefined,
    async notify(notice) {
      notices.push(notice);
      return { sent: true };
    },
    ...overrides,
  };
  return { notices, activities };
}

async function withWorker<T>(activities: FakeActivities, body: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `notify-spec-${++queue}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
  return worker.runUntil(body(taskQueue));
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return (error as WorkflowFailedError).cause as ApplicationFailure;
}

/** Runs of a schedule one after another (each triggered once the previous has closed), as the schedule hands results and failures on. */
async function scheduledRuns(taskQueue: string, scheduleId: string, count: number): Promise<Array<WorkflowHandle<typeof collectWorkflow>>> {
  const handle = await env.client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: '1h' }] },
    action: { type: 'startWorkflow', workflowType: collectWorkflow, args: [{ rule }], taskQueue },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, pauseOnFailure: false },
  });
  try {
    const runs: Array<WorkflowHandle<typeof collectWorkflow>> = [];
    for (let n = 1; n <= count; n++) {
      await handle.trigger(ScheduleOverlapPolicy.SKIP);
      for (;;) {
        const { recentActions, runningActions } = (await handle.describe()).info;
        if (recentActions.length >= n && runningActions.length === 0) {
          const { workflowId, firstExecutionRunId } = recentActions[n - 1]!.action.workflow;
          runs.push(env.client.workflow.getHandle<typeof collectWorkflow>(workflowId, firstExecutionRunId));
          break;
        }
        await sleep(100);
      }
    }
    return runs;
  } finally {
    await handle.delete();
  }
}

const kinds = (notices: Notice[]) => notices.map((n) => n.kind);

/** The run's history (patch marker, timers, notices) replays with the same code. */
async function expectReplays(workflowId: string): Promise<void> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  await expect(Worker.runReplayHistory({ workflowsPath }, history, workflowId)).resolves.toBeUndefined();
}

test('a rule that pauses sends one notice with the reason; the failure carries it for the next run', async () => {
  const { notices, activities } = fakes({
    async collectBatch() {
      throw ApplicationFailure.nonRetryable(UNAUTHORIZED, 'AtlassianUnauthorized');
    },
  });
  const failure = await withWorker(activities, (taskQueue) =>
    failureOf(env.client.workflow.execute(collectWorkflow, { taskQueue, workflowId: 'notify-pause', args: [{ rule, state: START }] })),
  );
  expect(notices).toEqual([{ kind: 'paused', ruleId: 'r1', displayName: 'R1', orgId: 'org', reason: `rule r1: ${UNAUTHORIZED}` }]);
  expect(failure).toMatchObject({ message: `rule r1: ${UNAUTHORIZED}`, type: 'AtlassianUnauthorized', nonRetryable: true });
  expect(failure.details).toEqual([{ notice: { kind: 'paused', at: expect.stringMatching(/^\d{4}-/) } }]);
  await expectReplays('notify-pause');
});

test('with no webhook on the worker (nothing sent), the failure is as before and no recovery follows', async () => {
  const { notices, activities } = fakes({
    async collectBatch() {
      throw ApplicationFailure.nonRetryable(UNAUTHORIZED, 'AtlassianUnauthorized');
    },
    async notify(notice) {
      notices.push(notice);
      return { sent: false };
    },
  });
  const failure = await withWorker(activities, (taskQueue) =>
    failureOf(env.client.workflow.execute(collectWorkflow, { taskQueue, workflowId: 'notify-off', args: [{ rule, state: START }] })),
  );
  expect(kinds(notices)).toEqual(['paused']);
  expect(failure.details ?? []).toEqual([]);
});

test('a batch retrying for more than two intervals sends one "failing" notice while it retries, then "recovered" when the run succeeds', async () => {
  let attemptsAtNotice = -1;
  let attempts = 0;
  // Batch 1 tells the workflow the worker posts notices; batch 2 retries for 4 s.
  const retrying = retryingFor(
    (input) => (input.state.position.atMs === START_MS ? 0 : 4000),
    (input) => input.state.position.atMs > START_MS,
  );
  const { notices, activities } = fakes({
    collectBatch: async (input) => {
      attempts += 1;
      return retrying(input);
    },
    async notify(notice) {
      if (notice.kind === 'failing') attemptsAtNotice = attempts;
      notices.push(notice);
      return { sent: true };
    },
  });
  const result = await withWorker(activities, (taskQueue) =>
    env.client.workflow.execute(collectWorkflow, { taskQueue, workflowId: 'notify-failing', args: [{ rule, state: START }] }),
  );
  await expectReplays('notify-failing');
  expect(notices).toEqual([
    {
      kind: 'failing',
      ruleId: 'r1',
      displayName: 'R1',
      orgId: 'org',
      reason: 'batch 2 has been retrying for more than 2 intervals (2 x 1s); it keeps retrying',
    },
    expect.objectContaining({
      kind: 'recovered',
      reason: expect.stringMatching(/^first successful run since the failing notice of \d{4}-.*: 20 events in 2 batches,/),
    }),
  ]);
  // Sent while the batch was still being retried, and the batch went on after it.
  expect(attemptsAtNotice).toBeGreaterThan(1);
  expect(attempts).toBeGreaterThan(attemptsAtNotice);
  expect(result.run).toMatchObject({ batches: 2, caughtUp: true });
  expect(result.notice).toEqual({ kind: 'recovered', at: expect.stringMatching(/^\d{4}-/) });
  expect(result.notifies).toBe(true);
});

test('a resumed rule recovers with one notice: the run after a paused one, and not again after', async () => {
  let calls = 0;
  const { notices, activities } = fakes({
    async collectBatch(input) {
      if (++calls === 1) throw ApplicationFailure.nonRetryable(UNAUTHORIZED, 'AtlassianUnauthorized');
      return advance(input.state, true);
    },
  });
  const runs = await withWorker(activities, (taskQueue) => scheduledRuns(taskQueue, 'notify-spec-recover', 3));
  await expect(runs[0]!.result()).rejects.toThrow(WorkflowFailedError);
  const [second, third] = [await runs[1]!.result(), await runs[2]!.result()];
  expect(kinds(notices)).toEqual(['paused', 'recovered']);
  expect(notices[1]!.reason).toMatch(/^first successful run since the paused notice of \d{4}-/);
  expect(second.notice).toEqual({ kind: 'recovered', at: expect.stringMatching(/^\d{4}-/) });
  expect(third.notice).toEqual(second.notice);
});

test('a flapping rule is announced once: fail, recover, fail again in one run, then short failures in the next', async () => {
  // Run 1: batches 1 and 2 each retry for 3 s (more than two intervals), batch 3 catches up; batch 1
  // is not watched (the workflow learns from its result that the worker posts notices).
  // Run 2: its batch retries for 0.5 s only.
  const { notices, activities } = fakes({
    collectBatch: retryingFor(
      (input) => (input.state.position.atMs < START_MS + 2000 ? 3000 : 500),
      (input) => input.state.position.atMs >= START_MS + 2000,
    ),
  });
  const runs = await withWorker(activities, (taskQueue) => scheduledRuns(taskQueue, 'notify-spec-flapping', 2));
  const [first, second] = [await runs[0]!.result(), await runs[1]!.result()];
  expect(first.run.batches).toBe(3);
  expect(second.run.batches).toBe(1);
  expect(kinds(notices)).toEqual(['failing', 'recovered']);
  expect(notices[0]!.reason).toBe('batch 2 has been retrying for more than 2 intervals (2 x 1s); it keeps retrying');
});

test('a notifier that fails never fails or pauses the run', async () => {
  let pauses = 0;
  let notifyAttempts = 0;
  const { activities } = fakes({
    collectBatch: retryingFor(
      (input) => (input.state.position.atMs === START_MS ? 0 : 2500),
      (input) => input.state.position.atMs > START_MS,
    ),
    async pauseRule() {
      pauses += 1;
    },
    async notify() {
      notifyAttempts += 1;
      throw ApplicationFailure.nonRetryable('the notifier webhook answered HTTP 500', 'NotifyRejected');
    },
  });
  const result = await withWorker(activities, (taskQueue) =>
    env.client.workflow.execute(collectWorkflow, { taskQueue, workflowId: 'notify-broken', args: [{ rule, state: START }] }),
  );
  expect(result.run).toMatchObject({ batches: 2, caughtUp: true });
  expect(result.notice).toBeUndefined();
  expect(pauses).toBe(0);
  expect(notifyAttempts).toBeGreaterThan(0);
});

test('a worker without a webhook costs no timer: its batches are not watched', async () => {
  const { activities } = fakes({
    collectBatch: async (input) => ({ ...advance(input.state, input.state.position.atMs > START_MS), notifies: undefined }),
  });
  const result = await withWorker(activities, (taskQueue) =>
    env.client.workflow.execute(collectWorkflow, { taskQueue, workflowId: 'notify-off', args: [{ rule, state: START }] }),
  );
  expect(result.run.batches).toBe(2);
  expect(result.notifies).toBeUndefined();
  const { events } = await env.client.workflow.getHandle('notify-off').fetchHistory();
  expect((events ?? []).filter((e) => e.timerStartedEventAttributes)).toEqual([]);
});
