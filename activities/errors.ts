// The one place where I/O errors become Temporal failures: retryable (network, 5xx, 429 with the
// API's reset time) or needs-a-human (auth, missing org or bucket, bad config), which fail fast
// with a message that says what to fix. Messages never carry secrets or response bodies verbatim.
import { ApplicationFailure } from '@temporalio/common';

export const ErrorType = {
  Unauthorized: 'AtlassianUnauthorized',
  Forbidden: 'AtlassianForbidden',
  OrgNotFound: 'AtlassianOrgNotFound',
  InvalidCursor: 'AtlassianInvalidCursor',
  BadRequest: 'AtlassianBadRequest',
  RateLimited: 'AtlassianRateLimited',
  ServerError: 'AtlassianServerError',
  MalformedResponse: 'AtlassianMalformedResponse',
  Network: 'NetworkError',
  BucketMissing: 'S3BucketMissing',
  S3AccessDenied: 'S3AccessDenied',
  S3Unavailable: 'S3Unavailable',
  Config: 'ConfigError',
} as const;

/** Waits are capped so that a bogus reset header cannot park a run for hours. */
export const MAX_RETRY_DELAY_MS = 5 * 60_000;
const DEFAULT_RATE_LIMIT_DELAY_MS = 30_000;
const JITTER_MS = 2_000;

export type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * How long to wait before retrying a 429 (or a 5xx that says so): `Retry-After` seconds first,
 * then `X-RateLimit-Reset` (ISO in minute or second precision, or epoch seconds), else a default.
 * A minute-precision reset ("10:01Z") may mean any instant of that minute: wait for the minute's
 * start while it is ahead, and for its end once it has begun (a retry that comes too early gets a
 * fresh 429 with a fresh reset, never a tight loop: waits are at least a second).
 */
export function retryDelayMs(params: { headers: Headers; nowMs: number; random?: () => number; rateLimited?: boolean }): number | undefined {
  const { headers, nowMs } = params;
  const jitter = Math.floor((params.random ?? Math.random)() * JITTER_MS);
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter.trim())) {
    return clamp(Number(retryAfter) * 1000 + jitter);
  }
  // The API sends X-RateLimit-Reset on every response; it says when to retry only after a 429.
  const reset = params.rateLimited === false ? undefined : header(headers, 'x-ratelimit-reset');
  if (reset !== undefined) {
    const resetMs = parseReset(reset.trim());
    if (resetMs !== undefined) {
      const minuteStart = isMinutePrecision(reset.trim()) ? resetMs - 60_000 : undefined;
      const at = minuteStart !== undefined && minuteStart > nowMs ? minuteStart : resetMs;
      return clamp(at - nowMs + jitter);
    }
  }
  return undefined;
}

const MINUTE_PRECISION = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(Z|[+-]\d{2}:?\d{2})$/;
const isMinutePrecision = (value: string) => MINUTE_PRECISION.test(value);

/** The reset instant; for minute precision, the end of that minute (the latest it can be). */
export function parseReset(value: string): number | undefined {
  if (/^\d{9,10}$/.test(value)) return Number(value) * 1000;
  if (/^\d{12,13}$/.test(value)) return Number(value);
  const minute = MINUTE_PRECISION.exec(value);
  if (minute) {
    const start = Date.parse(`${minute[1]}:00${minute[2]}`);
    return Number.isNaN(start) ? undefined : start + 60_000;
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

function clamp(ms: number): number {
  return Math.min(Math.max(ms, 1_000), MAX_RETRY_DELAY_MS);
}

function needsAHuman(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

function retryable(type: string, message: string, nextRetryDelayMs?: number): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: false, nextRetryDelay: nextRetryDelayMs });
}

/** The `code` of an Atlassian application error body, e.g. `ADMIN-400-1`, if there is one. */
function errorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ code?: unknown }> };
    const code = parsed.errors?.[0]?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Turns a non-200 answer of the Atlassian API into the failure that says what happens next. */
export function classifyAtlassianResponse(params: {
  status: number;
  headers: Headers;
  body: string;
  orgId: string;
  connection: string;
  apiKeyRef: string;
  nowMs: number;
}): ApplicationFailure {
  const { status, orgId, connection, apiKeyRef } = params;
  const where = `Atlassian org ${orgId} (connection '${connection}')`;
  if (status === 401) {
    return needsAHuman(
      ErrorType.Unauthorized,
      `${where} answered 401 Unauthorized: the API key is missing, revoked, expired or lacks the read:events:admin scope. ` +
        `Create an organization API key in Atlassian Administration, store it where ${apiKeyRef} points on the worker, then resume the rule.`,
    );
  }
  if (status === 403) {
    return needsAHuman(
      ErrorType.Forbidden,
      `${where} answered 403 Forbidden: the API key does not belong to this organization or lacks permission. ` +
        `Check the connection's orgId and that the key was created in that org, then resume the rule.`,
    );
  }
  if (status === 404) {
    return needsAHuman(
      ErrorType.OrgNotFound,
      `${where} answered 404: organization not found. Check the connection's orgId and baseUrl, then resume the rule.`,
    );
  }
  if (status === 429) {
    const delay = retryDelayMs({ headers: params.headers, nowMs: params.nowMs }) ?? DEFAULT_RATE_LIMIT_DELAY_MS;
    return retryable(ErrorType.RateLimited, `${where} answered 429 Too Many Requests; retrying in ${Math.round(delay / 1000)}s`, delay);
  }
  if (status >= 500) {
    const delay = retryDelayMs({ headers: params.headers, nowMs: params.nowMs, rateLimited: false });
    return retryable(ErrorType.ServerError, `${where} answered ${status}; retrying`, delay);
  }
  const code = errorCode(params.body);
  if (status === 400 && code === 'ADMIN-400-1') {
    return needsAHuman(
      ErrorType.InvalidCursor,
      `${where} rejected the stored cursor (400 ADMIN-400-1, invalid or expired). ` +
        `Events after the rule's last processedAt may need a backfill; see the README on resetting a rule's cursor.`,
    );
  }
  return needsAHuman(
    ErrorType.BadRequest,
    `${where} answered ${status}${code ? ` ${code}` : ''} to the events-stream request. Check the rule's startFrom and the connection's baseUrl.`,
  );
}

/** A transport failure (timeout, refused, reset): always worth retrying. */
export function classifyNetworkError(params: { error: unknown; what: string }): ApplicationFailure {
  const code = (params.error as { code?: unknown })?.code;
  const detail = typeof code === 'string' ? code : params.error instanceof Error ? params.error.message : 'unknown error';
  return retryable(ErrorType.Network, `${params.what} failed: ${detail}; retrying`);
}

const S3_NEEDS_A_HUMAN: Record<string, { type: string; advice: string }> = {
  NoSuchBucket: { type: ErrorType.BucketMissing, advice: 'the bucket does not exist. Create it or fix the rule\'s destination.bucket' },
  AccessDenied: { type: ErrorType.S3AccessDenied, advice: 'access denied. Grant the worker s3:PutObject and s3:GetObject on the bucket' },
  AllAccessDisabled: { type: ErrorType.S3AccessDenied, advice: 'all access to the bucket is disabled' },
  InvalidAccessKeyId: { type: ErrorType.S3AccessDenied, advice: 'the S3 access key is not known. Fix the worker\'s AWS credentials' },
  SignatureDoesNotMatch: { type: ErrorType.S3AccessDenied, advice: 'the S3 secret key does not match. Fix the worker\'s AWS credentials' },
  InvalidBucketName: { type: ErrorType.BucketMissing, advice: 'the bucket name is invalid. Fix the rule\'s destination.bucket' },
  PermanentRedirect: { type: ErrorType.Config, advice: 'the bucket is in another region. Set AWS_REGION to the bucket\'s region' },
};

/** Turns an S3 SDK error into retryable (5xx, throttling, network) or needs-a-human. */
export function classifyS3Error(params: { error: unknown; bucket: string; key: string }): ApplicationFailure {
  const err = params.error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const name = err?.Code ?? err?.name ?? 'Error';
  const status = err?.$metadata?.httpStatusCode;
  const human = S3_NEEDS_A_HUMAN[name] ?? (status === 403 ? S3_NEEDS_A_HUMAN.AccessDenied : undefined);
  if (human) {
    return needsAHuman(human.type, `S3 bucket ${params.bucket}: ${human.advice}, then resume the rule (${name} writing ${params.key}).`);
  }
  return retryable(ErrorType.S3Unavailable, `S3 bucket ${params.bucket}: ${name}${status ? ` (HTTP ${status})` : ''} writing ${params.key}; retrying`);
}

export function configError(message: string): ApplicationFailure {
  return needsAHuman(ErrorType.Config, message);
}
