// The backfill workflow as a specification, on a Temporal dev server with a fake batch activity:
// one child workflow per slice, at most `concurrency` of them at once, and progress that sums them.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { backfillWorkflowId, sliceWorkflowId } from '../../src/model/ids';
import { planSlices, type BackfillBatchInput, type BackfillBatchResult, type BackfillInput } from '../../src/model/backfill';
import { backfillWorkflow } from '../../src/workflows/backfill';
import { progressQuery, slicesQuery } from '../../src/model/queries';
import { fakeRule } from '../helpers/fakes';
import { createTestEnv, sleep, workflowsPath } from '../helpers/workflow-env';

const DAY = 86_400_000;
const FROM_MS = Date.UTC(2026, 0, 1);
const INPUT: BackfillInput = { rule: fakeRule, fromMs: FROM_MS, toMs: FROM_MS + 5 * DAY, concurrency: 2, liveStartMs: FROM_MS + 10 * DAY };
const SLICES = planSlices(INPUT);
const LAST = SLICES.length - 1;
/** Slice i writes one object of 10 * (i + 1) events, then finds nothing more. */
const eventsOf = (index: number) => 10 * (index + 1);

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createTestEnv();
});

afterAll(async () => {
  await env?.teardown();
});

test('one child per slice, at most `concurrency` at once; progress sums the slices, and the result is the final progress', async () => {
  expect(SLICES).toHaveLength(5);
  const lastSlice = SLICES[LAST]!;
  let releaseLast!: () => void;
  const lastMayRun = new Promise<void>((resolve) => (releaseLast = resolve));
  const batches: BackfillBatchInput[] = [];
  const activities: Pick<Activities, 'backfillBatch'> = {
    async backfillBatch(input): Promise<BackfillBatchResult> {
      batches.push(input);
      if (input.slice.index === LAST) await lastMayRun;
      await sleep(200);
      const first = input.eventsSoFar === 0;
      const atMs = input.slice.fromMs + 1000;
      return {
        position: first ? { atMs, idsAtMs: [`e${input.slice.index}`], cursor: null } : input.position,
        events: first ? eventsOf(input.slice.index) : 0,
        dropped: 0,
        rawBytes: first ? 1000 : 0,
        bytes: first ? 100 : 0,
        key: first ? `p/slice-${input.slice.index}` : null,
        caughtUp: !first,
        lastProcessedAt: first ? new Date(atMs).toISOString() : null,
      };
    },
  };
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'backfill-spec', workflowsPath, activities });
  const workflowId = backfillWorkflowId({ ruleId: fakeRule.id, fromMs: INPUT.fromMs, toMs: INPUT.toMs });

  const { progress, slices, result } = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(backfillWorkflow, { taskQueue: 'backfill-spec', workflowId, args: [INPUT] });
    // With the last slice held, the others finish: the query answers their sums.
    for (;;) {
      const p = await handle.query(progressQuery);
      if (p.slices.done === LAST) break;
      await sleep(100);
    }
    const progress = await handle.query(progressQuery);
    const slices = await handle.query(slicesQuery);
    releaseLast();
    return { progress, slices, result: await handle.result() };
  });

  const doneEvents = SLICES.slice(0, LAST).reduce((sum, s) => sum + eventsOf(s.index), 0);
  expect(progress).toMatchObject({
    backfillId: workflowId,
    concurrency: 2,
    slices: { total: 5, done: 4, running: 1 },
    events: doneEvents,
    objects: 4,
    bytes: 400,
    dropped: 0,
  });
  expect(progress.fraction).toBeCloseTo(0.8, 5);
  // Everything before the held slice's day is written.
  expect(progress.position).toBe(new Date(lastSlice.fromMs).toISOString());
  expect(slices.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done', 'running']);
  expect(slices.map((s) => s.state?.events ?? null)).toEqual([10, 20, 30, 40, null]);

  expect(result).toMatchObject({ slices: { total: 5, done: 5, running: 0 }, events: 150, objects: 5, bytes: 500, fraction: 1, etaMs: 0 });
  expect(result.position).toBe(new Date(lastSlice.toMs + 1).toISOString());

  // Each slice is its own child workflow, reading its own day from the day's start.
  expect(
    batches
      .filter((b) => b.eventsSoFar === 0)
      .map((b) => b.slice)
      .sort((a, b) => a.index - b.index),
  ).toEqual(SLICES);
  const children = await Promise.all(SLICES.map((s) => env.client.workflow.getHandle(sliceWorkflowId(workflowId, s.index)).describe()));
  expect(children.map((c) => c.status.name)).toEqual(SLICES.map(() => 'COMPLETED'));
  expect(children.map((c) => c.parentExecution?.workflowId)).toEqual(SLICES.map(() => workflowId));
  // At most two children were open at any instant, and two were (the backfill ran in parallel).
  const spans = children.map((c) => [c.startTime.getTime(), c.closeTime!.getTime()] as const);
  const openAt = (t: number) => spans.filter(([start, close]) => start <= t && t < close).length;
  expect(Math.max(...spans.map(([start]) => openAt(start)))).toBe(2);
});
