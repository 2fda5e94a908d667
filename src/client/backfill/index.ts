// Backfills of a past range of a rule: the request checked at the edge, start, progress, cancel.
export { BackfillNotFoundError, BackfillRequestError } from './errors';
export { checkRange, parseConcurrency, parseInstant } from './request';
export { startBackfill, type StartOutcome } from './start';
export { backfillStatus, cancelBackfill, type BackfillStatus } from './status';
export { backfillText, progressBar, startText } from './text';
