// The failure a non-200 answer of a site audit endpoint becomes: the same classes as the events
// stream's (src/atlassian/errors.ts), with what to fix on a site. Never quotes the response body.
import type { ApplicationFailure } from '@temporalio/common';
import { ErrorType, needsAHuman } from '../common/failures';
import type { ConnectionSpec } from '../model/types';
import type { Headers } from '../atlassian/retry-delay';
import { retryLater } from '../atlassian/errors';
import { PRODUCT_NAMES, type SiteProduct } from './records';

/** The global permission an account needs to read the product's audit log. */
export const AUDIT_PERMISSION: Record<SiteProduct, string> = {
  jira: 'the Administer Jira global permission',
  confluence: 'the Confluence Administrator global permission',
};

export function classifySiteResponse(params: {
  status: number;
  headers: Headers;
  product: SiteProduct;
  connection: ConnectionSpec;
  nowMs: number;
}): ApplicationFailure {
  const { status, product, connection } = params;
  const name = PRODUCT_NAMES[product];
  const where = `${name} site ${connection.orgId} (connection '${connection.name}')`;
  const account = connection.email ?? "the connection's email";
  if (status === 401) {
    return needsAHuman(
      ErrorType.Unauthorized,
      `${where} answered 401 Unauthorized: the API token is wrong, revoked or expired, or is not a token of ${account}. ` +
        `Create an API token for ${account} at https://id.atlassian.com/manage-profile/security/api-tokens, store it where ${connection.apiKeyRef} points on the worker, then resume the rule.`,
    );
  }
  if (status === 403) {
    return needsAHuman(
      ErrorType.Forbidden,
      `${where} answered 403 Forbidden: the account ${account} lacks ${AUDIT_PERMISSION[product]}, or every ${name} product of the site is on a Free plan, which has no audit log. ` +
        `Grant the account the permission (or use an administrator's token, or upgrade the plan), then resume the rule.`,
    );
  }
  if (status === 404) {
    return needsAHuman(
      ErrorType.OrgNotFound,
      `${where} answered 404: no ${name} audit log at ${connection.baseUrl}. Check the connection's baseUrl (https://<site>.atlassian.net) and source, then resume the rule.`,
    );
  }
  const later = retryLater({ status, headers: params.headers, nowMs: params.nowMs, where });
  if (later) return later;
  return needsAHuman(
    ErrorType.BadRequest,
    `${where} answered ${status} to the audit records request. Check the connection's baseUrl and source, then resume the rule.`,
  );
}
