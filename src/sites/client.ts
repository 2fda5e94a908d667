// The HTTP client for the site audit endpoints: Jira's GET /rest/api/3/auditing/record and
// Confluence's GET /wiki/rest/api/audit (docs/site-audit-apis.md). One page of a window, newest
// first, each record's text exactly as sent; every failure a classified Temporal failure. Requests
// are paced per site, both products of a site together.
import type { AxiosInstance } from 'axios';
import { createHttpClient } from '../atlassian/http';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../common/failures';
import type { ConnectionSpec } from '../model/types';
import { checkApiKey, classifyNetworkError } from '../atlassian/network-errors';
import type { Pacer, Priority } from '../atlassian/pacer';
import { topLevelArrayItems } from '../atlassian/raw-json';
import { classifySiteResponse } from './errors';
import { PRODUCT_NAMES, productOf, type SiteProduct, type SiteRecordJson } from './records';

export interface SitePage {
  /** Newest first, as the API lists them. */
  records: SiteRecordJson[];
  /** Each record's JSON text exactly as the API sent it, on one line: what the collector stores. */
  lines: string[];
  /** The page size the API applied: Confluence's echoed `limit` when smaller, else the one sent. A shorter page is the last. */
  limit: number;
}

export interface SiteAuditApi {
  /** The page at `offset` of the records created in `[fromMs, toMs]` (both inclusive, as both APIs document). */
  fetchPage(params: {
    connection: ConnectionSpec;
    token: string;
    fromMs: number;
    toMs: number;
    offset: number;
    limit: number;
    priority?: Priority;
  }): Promise<SitePage>;
}

const PATHS: Record<SiteProduct, string> = { jira: '/rest/api/3/auditing/record', confluence: '/wiki/rest/api/audit' };
const RECORDS_KEY: Record<SiteProduct, string> = { jira: 'records', confluence: 'results' };

/** Jira's documented form, `yyyy-MM-ddTHH:mm:ss.SSS+0000`, always with a zone (zone-less values match nothing through the gateway). */
export const jiraDate = (ms: number) => new Date(ms).toISOString().replace(/Z$/, '+0000');

function query(params: { product: SiteProduct; fromMs: number; toMs: number; offset: number; limit: number }): URLSearchParams {
  const { fromMs, toMs, offset, limit } = params;
  if (params.product === 'jira')
    return new URLSearchParams({ from: jiraDate(fromMs), to: jiraDate(toMs), offset: String(offset), limit: String(limit) });
  return new URLSearchParams({ startDate: String(fromMs), endDate: String(toMs), start: String(offset), limit: String(limit) });
}

export function createSiteAuditClient(params: {
  timeoutMs: number;
  pacer: Pacer;
  http?: AxiosInstance;
  /** Told of every answer's status (or `error` when none came): feeds the requests metric. */
  onResponse?: (params: { orgId: string; status: number | 'error' }) => void;
}): SiteAuditApi {
  const client = params.http ?? createHttpClient({ timeoutMs: params.timeoutMs });

  return {
    async fetchPage({ connection, token, fromMs, toMs, offset, limit, priority }) {
      const product = productOf(connection.source ?? 'jira-site');
      const site = connection.orgId;
      // URLSearchParams encodes the `+` of Jira's zone as %2B; a bare `+` would arrive as a space.
      const url = `${connection.baseUrl.replace(/\/+$/, '')}${PATHS[product]}?${query({ product, fromMs, toMs, offset, limit })}`;
      const unusable = checkApiKey({ apiKey: token, connection: connection.name, apiKeyRef: connection.apiKeyRef });
      if (unusable) throw unusable;
      await params.pacer.take(site, priority);
      let response;
      try {
        response = await client.get<string>(url, {
          headers: {
            Authorization: `Basic ${Buffer.from(`${connection.email ?? ''}:${token}`).toString('base64')}`,
            Accept: 'application/json',
          },
        });
      } catch (error) {
        params.onResponse?.({ orgId: site, status: 'error' });
        throw classifyNetworkError({
          error,
          what: `GET ${PRODUCT_NAMES[product]} audit records of site ${site}`,
          baseUrl: connection.baseUrl,
          connection: connection.name,
          apiKeyRef: connection.apiKeyRef,
        });
      }
      const body = typeof response.data === 'string' ? response.data : String(response.data ?? '');
      const headers = response.headers as Record<string, string>;
      params.onResponse?.({ orgId: site, status: response.status });
      params.pacer.observe({ key: site, status: response.status, headers });
      if (response.status !== 200) {
        throw classifySiteResponse({ status: response.status, headers, product, connection, nowMs: Date.now() });
      }
      return parseSitePage({ body, product, site, limit });
    },
  };
}

function malformed(product: SiteProduct, site: string, what: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.MalformedResponse,
    message: `${PRODUCT_NAMES[product]} site ${site}: the audit records request answered 200 with ${what}; retrying`,
  });
}

/** Checks the envelope; every record passes untouched, as its text. */
export function parseSitePage(params: { body: string; product: SiteProduct; site: string; limit: number }): SitePage {
  const { body, product, site } = params;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw malformed(product, site, `a body that is not JSON (${body.length} bytes)`);
  }
  const envelope = parsed as Record<string, unknown> | null;
  const key = RECORDS_KEY[product];
  const records = typeof envelope === 'object' && envelope !== null ? envelope[key] : undefined;
  if (!Array.isArray(records)) throw malformed(product, site, `no ${key} array`);
  for (const [index, record] of records.entries()) {
    if (typeof record !== 'object' || record === null || Array.isArray(record))
      throw malformed(product, site, `record ${index} that is not an object`);
  }
  // Confluence may serve fewer than asked ("restricted by fixed system limits") and says so.
  const echoed = product === 'confluence' ? envelope?.limit : undefined;
  const limit = typeof echoed === 'number' && Number.isSafeInteger(echoed) && echoed > 0 && echoed < params.limit ? echoed : params.limit;
  return { records: records as SiteRecordJson[], lines: rawLines(body, key, records as SiteRecordJson[]), limit };
}

/** The records' raw texts; one the API spread over several lines is serialised instead. */
function rawLines(body: string, key: string, records: SiteRecordJson[]): string[] {
  const items = topLevelArrayItems(body, key);
  if (items === undefined || items.length !== records.length) return records.map((record) => JSON.stringify(record));
  return items.map((item, index) => (item.includes('\n') || item.includes('\r') ? JSON.stringify(records[index]) : item));
}
