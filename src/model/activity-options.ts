// Timeouts and retry policies of the activities, defined once for the workflows that schedule them.
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

/** Where a rule starts: one checkpoint read. Retried with backoff to a minute, without end (S3 may be down). */
export const RESOLVE_START_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
} satisfies ActivityOptions;

/**
 * pauseRule runs after a needs-a-human failure, to pause the rule's schedule. Retries back off to a
 * minute and stop after 10 attempts (about 5 minutes), so that a Temporal outage or a schedule
 * that is gone cannot hold the failing run open forever; the run then fails saying it is not paused.
 */
export const PAUSE_RULE_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
} satisfies ActivityOptions;

/** Notices: bounded, so a notifier outage delays a run by a few minutes at most and never fails it. */
export const NOTIFY_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
} satisfies ActivityOptions;
