// Timeouts and retry policies of the activities, shared by the workflows that schedule them.
import type { ActivityOptions } from '@temporalio/common';

/**
 * A batch (live or backfill) is bounded by its heartbeats, not by a start-to-close time: a live
 * worker heartbeats every second, a dead or frozen one is retried elsewhere after the rule's
 * heartbeat timeout, and every wait inside has its own bound (HTTP timeouts, rate-limit waits capped
 * at 5 minutes). Start-to-close is only a backstop, far above one object's pages at a busy org's
 * request budget (a backfill object is up to 12 requests behind live ones), so a slow org cannot
 * time a batch out again and again. Transient errors are retried forever, backing off to two minutes.
 */
export const BATCH_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '2 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes' },
} satisfies ActivityOptions;
