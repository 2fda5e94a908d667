// Collect workflows run against fake activities: the state a rule's first run starts from, a worker
// of its own for each test, and the failure a workflow ended with.
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startPosition } from '../../src/model/position';
import type { CollectState } from '../../src/model/types';
import { workflowsPath } from './workflow-env';

export const START_MS = Date.UTC(2026, 0, 1);

/** The state fake resolveStart activities return: the stream at START_MS, nothing collected yet. */
export const START: CollectState = {
  position: startPosition(START_MS),
  startPointMs: START_MS,
  lastProcessedAt: null,
  totals: { events: 0, objects: 0, bytes: 0 },
};

let queue = 0;

/** Runs `body` while a worker with `activities` serves a task queue of its own, named `<prefix>-<n>`. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  prefix: string,
  activities: object,
  body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `${prefix}-${++queue}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
  return worker.runUntil(body(taskQueue));
}

/** The ApplicationFailure a workflow failed with; fails the test if it completed or failed otherwise. */
export async function applicationFailureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}
