// The failure a rule's pause becomes when the worker cannot pause its schedule: the schedule is
// gone, the worker may not update schedules, or Temporal is unreachable from the worker.
import { IllegalStateError, type ApplicationFailure } from '@temporalio/common';
import { ScheduleNotFoundError } from '@temporalio/client';
import { ErrorType, needsAHuman, retryable } from '../common/failures';

// gRPC status codes (the client's errors carry the number; the worker's core may say it in words).
const GRPC_CODES: Record<number, string> = { 4: 'DEADLINE_EXCEEDED', 7: 'PERMISSION_DENIED', 14: 'UNAVAILABLE', 16: 'UNAUTHENTICATED' };
const UNREACHABLE =
  /UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|transport error|connection refused|tcp connect error/i;
const REFUSED = /PERMISSION_DENIED|UNAUTHENTICATED|does not have permission|valid authentication credentials/i;

/** The gRPC code name of the error or of one of its causes, if any. */
function grpcCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code } = e as { code?: unknown };
    if (typeof code === 'number' && GRPC_CODES[code] !== undefined) return GRPC_CODES[code];
  }
  return undefined;
}

/** The messages of the error and its causes on one line, cut short. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 5; e = (e as { cause?: unknown }).cause) {
    if (e.message && !parts.includes(e.message)) parts.push(e.message);
  }
  const text = (parts.join(': ') || String(error)).replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

/**
 * Why the rule's schedule could not be paused. A schedule that is gone, or a worker that may not
 * update schedules, needs a human (no retry helps); Temporal unreachable from the worker and
 * anything else are retried (the activity's retry policy bounds how long).
 */
export function classifyPauseError(params: { error: unknown; ruleId: string; scheduleId: string }): ApplicationFailure {
  const { error, ruleId, scheduleId } = params;
  const cannot = `rule ${ruleId} could not be paused`;
  const byHand = `pause it by hand (audit-collect pause ${ruleId} --reason '...') once the cause of the failure is known`;
  if (error instanceof ScheduleNotFoundError) {
    return needsAHuman(
      ErrorType.ScheduleNotFound,
      `${cannot}: its schedule ${scheduleId} does not exist in the worker's namespace (deleted while this run was in flight, or the run was not started by it). Apply the rules file again if the rule should run.`,
    );
  }
  if (error instanceof IllegalStateError) {
    return needsAHuman(
      ErrorType.PauseFailed,
      `${cannot}: the worker has no Temporal client for its activities (${errorText(error)}); ${byHand}.`,
    );
  }
  const code = grpcCode(error);
  const text = errorText(error);
  if (code === 'PERMISSION_DENIED' || code === 'UNAUTHENTICATED' || (code === undefined && REFUSED.test(text))) {
    return needsAHuman(
      ErrorType.PauseFailed,
      `${cannot}: Temporal refused the worker's request to pause schedule ${scheduleId} (${text}). ` +
        `Give the worker's Temporal identity permission to update schedules in its namespace, or ${byHand}.`,
    );
  }
  if (code === 'UNAVAILABLE' || code === 'DEADLINE_EXCEEDED' || (code === undefined && UNREACHABLE.test(text))) {
    return retryable(ErrorType.PauseFailed, `${cannot}: Temporal is unreachable from the worker (${text}); retrying`);
  }
  return retryable(ErrorType.PauseFailed, `${cannot}: pausing schedule ${scheduleId} failed (${text}); retrying`);
}
