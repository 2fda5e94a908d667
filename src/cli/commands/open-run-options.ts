// --wait and --terminate: how `delete` and `apply` end a rule's open collect run before its
// schedule is deleted or created, so that two runs of one rule never write at once.
import type { OptionSpec } from '../command';
import { parseDuration } from '../../model/duration';
import { DEFAULT_OPEN_RUN_WAIT, type EndRuns } from '../../client/schedules';
import { UsageError } from '../usage-error';

/** The two options; `wait` says what --wait bounds. */
export function openRunOptions(params: { wait: string }) {
  return {
    wait: { type: 'string', value: 'DURATION', description: `${params.wait}, e.g. 30s, 5m (default ${DEFAULT_OPEN_RUN_WAIT})` },
    terminate: { type: 'boolean', description: 'terminate the open runs instead of waiting for them' },
  } as const satisfies Record<string, OptionSpec>;
}

/** The options as an EndRuns: terminate with `reason`, or wait until now + --wait. */
export function endRunsOf(params: { wait: string | undefined; terminate: boolean | undefined; reason: string; nowMs: number }): EndRuns {
  if (params.terminate) {
    if (params.wait !== undefined) throw new UsageError('--wait and --terminate exclude each other: --terminate does not wait');
    return { kind: 'terminate', reason: params.reason };
  }
  const wait = params.wait ?? DEFAULT_OPEN_RUN_WAIT;
  const waitMs = parseDuration(wait);
  if (waitMs === undefined) throw new UsageError(`--wait '${wait}' must be a duration such as 30s, 5m or 1h`);
  return { kind: 'wait', deadlineMs: params.nowMs + waitMs, wait: wait.trim() };
}
