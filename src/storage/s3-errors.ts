// The failure an S3 SDK error becomes: retryable (5xx, throttling, timeouts, conflicts, network) or
// needs-a-human (missing bucket, access denied, bad credentials, wrong or missing region, an
// endpoint that does not resolve, wrong clock, a request S3 refuses attempt after attempt), with
// the fix. The SDK's code and message are kept in the text (but not a credentials error's message).
import { Context } from '@temporalio/activity';
import type { ApplicationFailure } from '@temporalio/common';
import { ErrorType, needsAHuman, retryable } from '../common/failures';

const FIX_CREDENTIALS = "Fix the worker's AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or its instance role)";

interface Advice {
  type: string;
  advice: string;
}

const S3_NEEDS_A_HUMAN: Record<string, Advice> = {
  NoSuchBucket: { type: ErrorType.BucketMissing, advice: "the bucket does not exist. Create it or fix the rule's destination.bucket" },
  AccessDenied: {
    type: ErrorType.S3AccessDenied,
    advice: 'access denied. Grant the worker s3:PutObject, s3:GetObject and s3:ListBucket on the bucket',
  },
  AllAccessDisabled: { type: ErrorType.S3AccessDenied, advice: 'all access to the bucket is disabled' },
  InvalidAccessKeyId: { type: ErrorType.S3Credentials, advice: `the S3 access key is not known. ${FIX_CREDENTIALS}` },
  SignatureDoesNotMatch: { type: ErrorType.S3Credentials, advice: `the S3 secret key does not match. ${FIX_CREDENTIALS}` },
  ExpiredToken: { type: ErrorType.S3Credentials, advice: `the worker's AWS session token has expired. ${FIX_CREDENTIALS}` },
  TokenRefreshRequired: { type: ErrorType.S3Credentials, advice: `the worker's AWS session token must be refreshed. ${FIX_CREDENTIALS}` },
  InvalidToken: { type: ErrorType.S3Credentials, advice: `the worker's AWS session token is malformed. ${FIX_CREDENTIALS}` },
  // Thrown by the SDK before any request: no provider in the chain (environment, profile, instance role) had credentials.
  CredentialsProviderError: { type: ErrorType.S3Credentials, advice: `the worker has no usable AWS credentials. ${FIX_CREDENTIALS}` },
  InvalidBucketName: { type: ErrorType.BucketMissing, advice: "the bucket name is invalid. Fix the rule's destination.bucket" },
  PermanentRedirect: { type: ErrorType.Config, advice: "the bucket is in another region. Set AWS_REGION to the bucket's region" },
  RequestTimeTooSkewed: { type: ErrorType.Config, advice: "the worker's clock is more than 15 minutes off. Synchronize it (NTP)" },
};

// On AWS, GetObject of a missing key answers 403 AccessDenied (not 404 NoSuchKey) to a caller
// without s3:ListBucket, so a rule's first run could never find that it has no checkpoint yet.
const GET_ACCESS_DENIED: Advice = {
  type: ErrorType.S3AccessDenied,
  advice:
    'access denied. Grant the worker s3:GetObject and s3:ListBucket on the bucket (without ListBucket, a missing checkpoint reads as 403 instead of not found)',
};

// Thrown by the SDK before any request when neither AWS_REGION nor a profile names a region.
const NO_REGION: Advice = {
  type: ErrorType.Config,
  advice:
    "no AWS region is set on the worker. Set AWS_REGION (the bucket's region; for an S3-compatible server, one it accepts such as us-east-1)",
};

/**
 * A 4xx that no row above explains (e.g. a bucket policy, Object Lock or KMS refusal) is retried,
 * in case it passes, and needs a human once this many attempts in a row have got one.
 */
export const S3_REFUSED_ATTEMPTS = 5;

/** 4xx statuses that say "try again": timeout, conflict, throttled, a proxy that closed the request. */
const RETRYABLE_4XX = new Set([408, 409, 429, 499]);

/** Names that say nothing: the system error's code (ENOTFOUND, ECONNREFUSED) says more. */
const GENERIC_NAMES = new Set(['Error', 'TypeError', 'AggregateError', 'SystemError']);

interface SdkError {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  hostname?: unknown;
  cause?: { code?: unknown; hostname?: unknown };
  $metadata?: { httpStatusCode?: number };
}

const asSdkError = (error: unknown): SdkError => (typeof error === 'object' && error !== null ? (error as SdkError) : {});
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The HTTP status S3 answered with, if it answered. */
const statusOf = (error: unknown): number | undefined => asSdkError(error).$metadata?.httpStatusCode;

/** The error's S3 code (`Code` or name), or its system code (ENOTFOUND, ECONNREFUSED) when the name is generic. */
export function s3ErrorCode(error: unknown): string {
  const err = asSdkError(error);
  const code = text(err.Code) ?? text(err.name);
  if (code !== undefined && !GENERIC_NAMES.has(code)) return code;
  return text(err.code) ?? text(err.cause?.code) ?? code ?? 'Error';
}

/** A 412 PreconditionFailed: a conditional write (If-None-Match, If-Match) found the object otherwise; the caller decides. */
export function isPreconditionFailed(error: unknown): boolean {
  return s3ErrorCode(error) === 'PreconditionFailed' || statusOf(error) === 412;
}

/** A 409 ConditionalRequestConflict: another conditional write to the key was in flight; try again. */
export function isConditionalConflict(error: unknown): boolean {
  return s3ErrorCode(error) === 'ConditionalRequestConflict';
}

/**
 * The SDK's message on one line, cut short, with the worker's AWS secret and session token masked
 * should a message ever quote them.
 */
function messageOf(error: unknown, code: string): string | undefined {
  let message = text(asSdkError(error).message)?.replace(/\s+/g, ' ').trim();
  if (message === undefined || message === code) return undefined;
  for (const secret of [process.env.AWS_SECRET_ACCESS_KEY, process.env.AWS_SESSION_TOKEN]) {
    if (secret && secret.length >= 8) message = message.split(secret).join('***');
  }
  return message.length > 300 ? `${message.slice(0, 300)}...` : message;
}

function unresolvedHost(error: unknown): Advice | undefined {
  if (s3ErrorCode(error) !== 'ENOTFOUND') return undefined;
  const err = asSdkError(error);
  const host = text(err.hostname) ?? text(err.cause?.hostname) ?? "the S3 endpoint's host";
  return {
    type: ErrorType.Config,
    advice:
      `the S3 endpoint host ${host} does not resolve. Fix AWS_ENDPOINT_URL_S3 (an S3-compatible server), ` +
      `or AWS_REGION and the rule's destination.bucket (AWS), or the worker's DNS`,
  };
}

/**
 * Turns an S3 SDK error into retryable (5xx, throttling, 408/409/412/499, network) or needs-a-human,
 * with the SDK's code and message in the text. `attempt` is the activity's attempt number
 * (`Context.current().info.attempt`, from 1): a 4xx that no row explains needs a human from attempt
 * S3_REFUSED_ATTEMPTS on, and so does an endpoint host that does not resolve (at once without
 * `attempt`); without it, such a 4xx is always retryable. A 412 is left to the caller (see
 * isPreconditionFailed): it is retryable here, never needs-a-human.
 */
export function classifyS3Error(params: {
  error: unknown;
  bucket: string;
  key: string;
  operation?: 'PutObject' | 'GetObject';
  /** The activity's attempt number, from 1; by default the attempt of the activity this runs in, if any. */
  attempt?: number;
}): ApplicationFailure {
  const { error, bucket } = params;
  const attempt = params.attempt ?? activityAttempt();
  const code = s3ErrorCode(error);
  const status = statusOf(error);
  const reading = params.operation === 'GetObject';
  const doing = `${reading ? 'reading' : 'writing'} ${params.key}`;
  const row = Object.prototype.hasOwnProperty.call(S3_NEEDS_A_HUMAN, code) ? S3_NEEDS_A_HUMAN[code] : undefined;
  const denied = code === 'AccessDenied' || (status === 403 && !row);
  const human = denied ? (reading ? GET_ACCESS_DENIED : S3_NEEDS_A_HUMAN.AccessDenied) : row;
  const message = messageOf(error, code);
  const said = (withMessage: boolean) => `${code} ${doing}${withMessage && message ? `: ${message}` : ''}`;
  // A credentials error's message is where a secret would be quoted, if anywhere: its advice says enough.
  const fail = (advice: Advice) =>
    needsAHuman(
      advice.type,
      `S3 bucket ${bucket}: ${advice.advice}, then resume the rule (${said(advice.type !== ErrorType.S3Credentials)}).`,
    );
  const retry = (type: string, note = '') =>
    retryable(
      type,
      `S3 bucket ${bucket}: ${code}${status ? ` (HTTP ${status})` : ''} ${doing}${message ? `: ${message}` : ''}${note}; retrying`,
    );

  if (human) return fail(human);
  // Unset, or set but empty (AWS_REGION= in an env file), both before any request.
  if (status === undefined && message !== undefined && /^Region is missing$|^Region not accepted: region="" /i.test(message))
    return fail(NO_REGION);
  const host = unresolvedHost(error);
  const lastAttempt = attempt !== undefined && attempt >= S3_REFUSED_ATTEMPTS;
  if (host) {
    // A DNS blip passes within a few attempts; a wrong endpoint does not.
    if (attempt === undefined || lastAttempt) return fail(host);
    return retry(ErrorType.S3Unavailable, ` (attempt ${attempt} of ${S3_REFUSED_ATTEMPTS} before the rule pauses: ${host.advice})`);
  }
  if (isPreconditionFailed(error) || status === 409) return retry(ErrorType.S3Conflict);
  if (status !== undefined && status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) {
    if (lastAttempt) {
      return fail({
        type: ErrorType.S3Refused,
        advice:
          `S3 refused the request ${attempt} times in a row (HTTP ${status}). Fix what it names (the bucket's policy, ` +
          `Object Lock or encryption settings, or the worker's S3 settings)`,
      });
    }
    if (attempt !== undefined)
      return retry(ErrorType.S3Unavailable, ` (attempt ${attempt} of ${S3_REFUSED_ATTEMPTS} before the rule pauses)`);
  }
  return retry(ErrorType.S3Unavailable);
}

/** The attempt of the activity this runs in; undefined outside one (the CLI's `check`, `verify`). */
function activityAttempt(): number | undefined {
  try {
    return Context.current().info.attempt;
  } catch {
    return undefined;
  }
}
