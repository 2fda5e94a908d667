// Activity options whose retries must end: the activity runs on a path that is already failing.

/**
 * pauseRule runs after a needs-a-human failure, to pause the rule's schedule. Retries back off to a
 * minute and stop after 10 attempts (about 5 minutes), so that a Temporal outage or a schedule
 * that is gone cannot hold the failing run open forever; the run then fails saying it is not paused.
 */
export const PAUSE_RULE_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
} as const;
