import { heartbeat } from '@temporalio/activity';

/**
 * Runs `work` while heartbeating `progress()` every second. Heartbeats say "this worker is alive"
 * (the SDK throttles them), so a killed worker's batch is retried after the heartbeat timeout even
 * while a request or an upload is slow; they also deliver a cancellation to the activity.
 */
export async function heartbeating<T>(progress: () => unknown, work: () => Promise<T>): Promise<T> {
  const beat = setInterval(() => heartbeat(progress()), 1_000);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}
