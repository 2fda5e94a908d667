// Per connection: the API key (a site's API token) resolves, one request with limit=1 answers 200
// (the events stream, or the site's audit records), and the key's noted expiry is not near.
// Failures read as `status` reads them (src/common/errors.ts); a site's 403 names the permission.
import type { EventSource } from '../../atlassian/client';
import type { SiteAuditApi } from '../../sites/client';
import { AUDIT_PERMISSION } from '../../sites/errors';
import { PRODUCT_NAMES, productOf } from '../../sites/records';
import type { SecretResolver } from '../../secrets/api-keys';
import type { ConnectionSpec } from '../../model/types';
import { KEY_EXPIRY_WARN_DAYS } from '../status/health';
import { adviceFrom, fail, pass, warn, type CheckResult } from './result';

const DAY_MS = 86_400_000;
const LOOK_BACK_MS = 60_000;

const nameOf = (connection: ConnectionSpec, what: string) => `connection '${connection.name}' ${what}`;

export async function checkConnection(params: {
  connection: ConnectionSpec;
  resolver: SecretResolver;
  source: EventSource;
  /** The site audit client, for site connections. */
  sites?: SiteAuditApi;
  nowMs: number;
}): Promise<CheckResult[]> {
  const { connection, sites } = params;
  const results = [connection.source && sites ? await siteRequestCheck({ ...params, sites }) : await requestCheck(params)];
  const expiry = keyExpiryCheck({ connection, nowMs: params.nowMs });
  if (expiry) results.push(expiry);
  return results;
}

async function requestCheck(params: {
  connection: ConnectionSpec;
  resolver: SecretResolver;
  source: EventSource;
  nowMs: number;
}): Promise<CheckResult> {
  const { connection } = params;
  const name = nameOf(connection, 'events-stream');
  let apiKey: string;
  try {
    apiKey = params.resolver.resolve({ connection });
  } catch (error) {
    return fail(nameOf(connection, `apiKey ${connection.apiKeyRef}`), adviceFrom((error as Error).message));
  }
  try {
    await params.source.fetchPage({
      connection,
      apiKey,
      position: { atMs: params.nowMs - LOOK_BACK_MS, idsAtMs: [], cursor: null },
      limit: 1,
    });
  } catch (error) {
    return fail(name, adviceFrom((error as Error).message));
  }
  return pass(name, `Atlassian org ${connection.orgId} answered 200 with the key from ${connection.apiKeyRef}`);
}

async function siteRequestCheck(params: {
  connection: ConnectionSpec;
  resolver: SecretResolver;
  sites: SiteAuditApi;
  nowMs: number;
}): Promise<CheckResult> {
  const { connection } = params;
  const product = productOf(connection.source!);
  const name = nameOf(connection, `${PRODUCT_NAMES[product]} audit records`);
  let token: string;
  try {
    token = params.resolver.resolve({ connection });
  } catch (error) {
    return fail(nameOf(connection, `apiToken ${connection.apiKeyRef}`), adviceFrom((error as Error).message));
  }
  try {
    await params.sites.fetchPage({ connection, token, fromMs: params.nowMs - LOOK_BACK_MS, toMs: params.nowMs, offset: 0, limit: 1 });
  } catch (error) {
    return fail(name, adviceFrom((error as Error).message));
  }
  return pass(
    name,
    `${PRODUCT_NAMES[product]} site ${connection.orgId} answered 200 to ${connection.email} with the token from ${connection.apiKeyRef} (the account has ${AUDIT_PERMISSION[product]})`,
  );
}

/** From the connection's `expiresAt`: failed once past, a warning within 14 days, else nothing to say but the date. */
export function keyExpiryCheck(params: { connection: ConnectionSpec; nowMs: number }): CheckResult | undefined {
  const { connection } = params;
  const expiresAt = connection.apiKeyExpiresAt;
  if (!expiresAt) return undefined;
  const name = nameOf(connection, 'API key expiry');
  const left = Date.parse(expiresAt) - params.nowMs;
  const days = Math.floor(left / DAY_MS);
  if (left <= 0) {
    return fail(
      name,
      `the API key expired on ${expiresAt}: create a new key, store it where ${connection.apiKeyRef} points, and update the connection's expiresAt`,
    );
  }
  if (days < KEY_EXPIRY_WARN_DAYS) {
    return warn(
      name,
      `the API key expires in ${days} days (${expiresAt}): create a new key before then and update the connection's expiresAt`,
    );
  }
  return pass(name, `expires ${expiresAt} (in ${days} days)`);
}
