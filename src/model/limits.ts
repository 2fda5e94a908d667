// Numbers the workflows and the CLI must agree on, defined once.

/**
 * Upper bound on batches per run (a backfill slice continues as new after as many): keeps one run's
 * history small; the next run continues.
 */
export const MAX_BATCHES_PER_RUN = 200;

/**
 * A batch retrying for longer than this many of the rule's intervals makes the rule failing: the
 * run announces it (notices), and `status` shows it.
 */
export const FAILING_AFTER_INTERVALS = 2;
