// The one place where I/O errors become Temporal failures: retryable (network, 5xx, 429 with the
// API's reset time) or needs-a-human (auth, missing org or bucket, bad config), which fail fast
// with a message that says what to fix. Messages never carry secrets or response bodies verbatim.
// Each source of errors has its module; this one gathers them for importers.
export { ErrorType, configError } from './error-types';
export { MAX_RETRY_DELAY_MS, parseReset, retryDelayMs, type Headers } from './retry-delay';
export { classifyAtlassianResponse } from './atlassian-errors';
export { checkApiKey, classifyNetworkError } from './network-errors';
export { S3_REFUSED_ATTEMPTS, classifyS3Error, isConditionalConflict, isPreconditionFailed, s3ErrorCode } from './s3-errors';
export { classifyPauseError } from './pause-errors';
