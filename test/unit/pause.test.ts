// The pauseRule activity: it pauses the rule's schedule, and when it cannot, its failure says why
// (schedule gone, permission refused, Temporal unreachable) and whether a retry can help.
import { ApplicationFailure } from '@temporalio/common';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createPauseActivities } from '../../src/activities/pause';
import { ErrorType } from '../../src/common/failures';
import { PAUSE_RULE_ACTIVITY_OPTIONS } from '../../src/model/activity-options';
import type { ActivityOptions } from '@temporalio/common';

const NOTE = 'rule acme: Atlassian org … answered 401: fix the key, then resume the rule';

/** The failure pauseRule ends with when pausing throws `error`. */
async function failureOf(error: unknown): Promise<ApplicationFailure> {
  const { pauseRule } = createPauseActivities({
    pauseSchedule: async () => {
      throw error;
    },
  });
  const failure = await pauseRule({ ruleId: 'acme', note: NOTE }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(failure).toBeInstanceOf(ApplicationFailure);
  return failure as ApplicationFailure;
}

/** A gRPC error as the client raises it: a ServiceError-like Error with the status on its cause. */
function grpcError(code: number, details: string): Error {
  const cause = Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
  return Object.assign(new Error('Failed to patch schedule'), { cause });
}

test("pauses the rule's schedule with the note, through the worker's client", async () => {
  const paused: Array<{ scheduleId: string; note: string }> = [];
  const client = {
    schedule: { getHandle: (scheduleId: string) => ({ pause: async (note: string) => void paused.push({ scheduleId, note }) }) },
    // The environment binds the client to the activity's cancellation.
    withAbortSignal: <R>(_signal: AbortSignal, fn: () => Promise<R>) => fn(),
  } as unknown as Client;
  const { pauseRule } = createPauseActivities();
  await new MockActivityEnvironment(undefined, { client }).run(pauseRule, { ruleId: 'acme', note: NOTE });
  expect(paused).toEqual([{ scheduleId: 'audit-collect-acme', note: NOTE }]);
});

test('a schedule that does not exist fails for good, naming it', async () => {
  const failure = await failureOf(new ScheduleNotFoundError('workflow not found', 'audit-collect-acme'));
  expect(failure.type).toBe(ErrorType.ScheduleNotFound);
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toMatch(/^rule acme could not be paused: its schedule audit-collect-acme does not exist/);
});

test.each([
  ['UNAVAILABLE from the client', grpcError(14, 'No connection established')],
  ['DEADLINE_EXCEEDED from the client', grpcError(4, 'Deadline exceeded')],
  [
    "the worker core's transport error",
    new Error('Service call error: transport error: tcp connect error: Connection refused (os error 111)'),
  ],
])('Temporal unreachable from the worker (%s) is retried, and says so', async (_name, error) => {
  const failure = await failureOf(error);
  expect(failure.type).toBe(ErrorType.PauseFailed);
  expect(failure.nonRetryable).toBe(false);
  expect(failure.message).toMatch(/^rule acme could not be paused: Temporal is unreachable from the worker \(.+\); retrying$/);
});

test.each([
  ['PERMISSION_DENIED', grpcError(7, 'Request unauthorized')],
  ['UNAUTHENTICATED', grpcError(16, 'Invalid API key')],
])('%s fails for good: the worker may not update schedules', async (_name, error) => {
  const failure = await failureOf(error);
  expect(failure.type).toBe(ErrorType.PauseFailed);
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toMatch(/Temporal refused the worker's request to pause schedule audit-collect-acme/);
  expect(failure.message).toContain("audit-collect pause acme --reason '...'");
});

test('anything else is retried with its message', async () => {
  const failure = await failureOf(new Error('something odd'));
  expect(failure.nonRetryable).toBe(false);
  expect(failure.message).toBe('rule acme could not be paused: pausing schedule audit-collect-acme failed (something odd); retrying');
});

test('a worker without a client for activities fails for good', async () => {
  const { pauseRule } = createPauseActivities();
  const failure = await new MockActivityEnvironment().run(pauseRule, { ruleId: 'acme', note: NOTE }).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect((failure as ApplicationFailure).nonRetryable).toBe(true);
  expect((failure as ApplicationFailure).message).toMatch(/the worker has no Temporal client for its activities/);
});

test('PAUSE_RULE_ACTIVITY_OPTIONS are activity options with a bounded number of attempts', () => {
  const options: ActivityOptions = PAUSE_RULE_ACTIVITY_OPTIONS;
  expect(options.retry?.maximumAttempts).toBe(10);
  expect(options.startToCloseTimeout).toBe('1 minute');
});
