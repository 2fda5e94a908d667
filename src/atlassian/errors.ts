// The failure a non-200 answer of the Atlassian API becomes: auth and unknown-org problems need a
// human, 429 and 5xx are retried (after the API's reset time). Never quotes the response body.
import type { ApplicationFailure } from '@temporalio/common';
import { ErrorType, needsAHuman, retryable } from '../common/failures';
import { retryDelayMs, type Headers } from './retry-delay';

const DEFAULT_RATE_LIMIT_DELAY_MS = 30_000;

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
  const later = retryLater({ status, headers: params.headers, nowMs: params.nowMs, where });
  if (later) return later;
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

/**
 * 429 (after `Retry-After`, else the rate-limit reset, else 30 s) and 5xx (after `Retry-After` if
 * given) are retried, for every Atlassian API; undefined for any other status.
 */
export function retryLater(params: { status: number; headers: Headers; nowMs: number; where: string }): ApplicationFailure | undefined {
  const { status, where } = params;
  if (status === 429) {
    const delay = retryDelayMs({ headers: params.headers, nowMs: params.nowMs }) ?? DEFAULT_RATE_LIMIT_DELAY_MS;
    return retryable(ErrorType.RateLimited, `${where} answered 429 Too Many Requests; retrying in ${Math.round(delay / 1000)}s`, delay);
  }
  if (status >= 500) {
    const delay = retryDelayMs({ headers: params.headers, nowMs: params.nowMs, rateLimited: false });
    return retryable(ErrorType.ServerError, `${where} answered ${status}; retrying`, delay);
  }
  return undefined;
}
