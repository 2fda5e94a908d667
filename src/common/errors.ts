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
  StuckAtMillisecond: 'AtlassianStuckAtMillisecond',
  Network: 'NetworkError',
  TlsCertificate: 'TlsCertificateError',
  ApiKeyUnusable: 'AtlassianApiKeyUnusable',
  BucketMissing: 'S3BucketMissing',
  S3AccessDenied: 'S3AccessDenied',
  S3Credentials: 'S3CredentialsError',
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
      `${where} answered 400 ADMIN-400-1 (invalid or expired cursor), also to a request from the last processedAt without a cursor. ` +
        `Check the connection's baseUrl points at the Atlassian API (or a faithful proxy), then resume the rule; nothing written is lost.`,
    );
  }
  return needsAHuman(
    ErrorType.BadRequest,
    `${where} answered ${status}${code ? ` ${code}` : ''} to the events-stream request. Check the rule's startFrom and the connection's baseUrl.`,
  );
}

// Node's codes for a certificate that TLS could not verify: no retry fixes these, a person must.
const TLS_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
]);

/** The error's `code`, or its cause's (fetch and some wrappers put the system error there). */
function codeOf(error: unknown): string | undefined {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  if (typeof code === 'string') return code;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function apiKeyUnusable(params: { connection?: string; apiKeyRef?: string; kind: string }): ApplicationFailure {
  const where = params.connection ? `connection '${params.connection}': ` : '';
  const ref = params.apiKeyRef ?? "the connection's apiKey reference";
  return needsAHuman(
    ErrorType.ApiKeyUnusable,
    `${where}the API key contains characters a header cannot carry (${params.kind}). ` +
      `Store the key alone, on one line, where ${ref} points on the worker, then resume the rule.`,
  );
}

/**
 * Whether the API key can go into an Authorization header unchanged. Axios silently strips control
 * characters from header values, so a key pasted with a line break inside would only show up as a
 * puzzling 401: check it before the request. Names the kind of character, never the key.
 */
export function checkApiKey(params: { apiKey: string; connection?: string; apiKeyRef?: string }): ApplicationFailure | undefined {
  const bad = /[^\x20-\x7e]/.exec(params.apiKey)?.[0];
  if (bad === undefined) return undefined;
  const kind = bad === '\n' || bad === '\r' ? 'a line break' : bad.charCodeAt(0) < 0x20 || bad === '\x7f' ? 'a control character' : 'a non-ASCII character';
  return apiKeyUnusable({ connection: params.connection, apiKeyRef: params.apiKeyRef, kind });
}

/**
 * A request that got no answer. Timeouts, refused and reset connections and unresolvable hosts are
 * retried (a DNS outage or a deploy passes); an unverifiable certificate or an API key no header can
 * carry needs a human. Never echoes the error's message for those: it may hold header content.
 */
export function classifyNetworkError(params: {
  error: unknown;
  what: string;
  /** The connection's baseUrl, named in the TLS advice. */
  baseUrl?: string;
  connection?: string;
  apiKeyRef?: string;
}): ApplicationFailure {
  const code = codeOf(params.error);
  if (code !== undefined && TLS_CERT_CODES.has(code)) {
    return needsAHuman(
      ErrorType.TlsCertificate,
      `${params.what} failed: the certificate of ${params.baseUrl ?? "the connection's baseUrl"} could not be verified (${code}). ` +
        `Check the connection's baseUrl; behind a corporate proxy that re-signs TLS, give the worker its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem; then resume the rule.`,
    );
  }
  // Node: ERR_INVALID_CHAR. fetch (undici): a TypeError whose message quotes the header value.
  const headerTypeError = params.error instanceof TypeError && /header/i.test(params.error.message);
  if (code === 'ERR_INVALID_CHAR' || headerTypeError) {
    return apiKeyUnusable({ connection: params.connection, apiKeyRef: params.apiKeyRef, kind: 'a line break or non-ASCII character?' });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    const { hostname } = params.error as { hostname?: unknown };
    const host = typeof hostname === 'string' ? hostname : (hostOf(params.baseUrl) ?? "the baseUrl's host");
    return retryable(ErrorType.Network, `${params.what} failed: host ${host} could not be resolved (${code}); retrying. Check the connection's baseUrl and the worker's DNS`);
  }
  const detail = code ?? (params.error instanceof Error ? params.error.message : 'unknown error');
  return retryable(ErrorType.Network, `${params.what} failed: ${detail}; retrying`);
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

const FIX_CREDENTIALS = "Fix the worker's AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or its instance role)";

const S3_NEEDS_A_HUMAN: Record<string, { type: string; advice: string }> = {
  NoSuchBucket: { type: ErrorType.BucketMissing, advice: 'the bucket does not exist. Create it or fix the rule\'s destination.bucket' },
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
  InvalidBucketName: { type: ErrorType.BucketMissing, advice: 'the bucket name is invalid. Fix the rule\'s destination.bucket' },
  PermanentRedirect: { type: ErrorType.Config, advice: 'the bucket is in another region. Set AWS_REGION to the bucket\'s region' },
  RequestTimeTooSkewed: { type: ErrorType.Config, advice: "the worker's clock is more than 15 minutes off. Synchronize it (NTP)" },
};

// On AWS, GetObject of a missing key answers 403 AccessDenied (not 404 NoSuchKey) to a caller
// without s3:ListBucket, so a rule's first run could never find that it has no checkpoint yet.
const GET_ACCESS_DENIED = {
  type: ErrorType.S3AccessDenied,
  advice:
    'access denied. Grant the worker s3:GetObject and s3:ListBucket on the bucket (without ListBucket, a missing checkpoint reads as 403 instead of not found)',
};

/** Turns an S3 SDK error into retryable (5xx, throttling, network) or needs-a-human. */
export function classifyS3Error(params: { error: unknown; bucket: string; key: string; operation?: 'PutObject' | 'GetObject' }): ApplicationFailure {
  const err = params.error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const name = err?.Code ?? err?.name ?? 'Error';
  const status = err?.$metadata?.httpStatusCode;
  const reading = params.operation === 'GetObject';
  const row = Object.prototype.hasOwnProperty.call(S3_NEEDS_A_HUMAN, name) ? S3_NEEDS_A_HUMAN[name] : undefined;
  const denied = name === 'AccessDenied' || (status === 403 && !row);
  const human = denied ? (reading ? GET_ACCESS_DENIED : S3_NEEDS_A_HUMAN.AccessDenied) : row;
  const doing = `${reading ? 'reading' : 'writing'} ${params.key}`;
  if (human) {
    return needsAHuman(human.type, `S3 bucket ${params.bucket}: ${human.advice}, then resume the rule (${name} ${doing}).`);
  }
  return retryable(ErrorType.S3Unavailable, `S3 bucket ${params.bucket}: ${name}${status ? ` (HTTP ${status})` : ''} ${doing}; retrying`);
}

export function configError(message: string): ApplicationFailure {
  return needsAHuman(ErrorType.Config, message);
}
