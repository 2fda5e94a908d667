// The HTTP client for GET /admin/v1/orgs/{orgId}/events-stream. It returns raw event objects
// exactly as the API sent them and turns every failure into a classified Temporal failure.
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { ConnectionSpec, Position } from '../../workflows/types';
import { ErrorType, classifyAtlassianResponse, classifyNetworkError } from '../errors';
import type { Pacer, Priority } from './pacer';
import { dataArrayItems } from './raw-json';
import { ApplicationFailure } from '@temporalio/common';

export interface AuditEvent {
  id: string;
  attributes: { processedAt: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface EventPage {
  events: AuditEvent[];
  /** Each event's JSON text exactly as the API sent it, on one line: what the collector stores. */
  lines: string[];
  /** The cursor to continue from; null when the API gave none (a closed window is exhausted). */
  nextCursor: string | null;
}

export interface EventSource {
  /** `priority` orders requests in the org's request budget: live collection goes before backfills. */
  fetchPage(params: { connection: ConnectionSpec; apiKey: string; position: Position; limit: number; priority?: Priority }): Promise<EventPage>;
}

export const MAX_PAGE_LIMIT = 500;

export function createAtlassianClient(params: {
  timeoutMs: number;
  pacer: Pacer;
  http?: AxiosInstance;
  /** Told of every answer's status (or `error` when none came): feeds the requests metric. */
  onResponse?: (params: { orgId: string; status: number | 'error' }) => void;
}): EventSource {
  const client =
    params.http ??
    axios.create({
      timeout: params.timeoutMs,
      httpAgent: new http.Agent({ keepAlive: true }),
      httpsAgent: new https.Agent({ keepAlive: true }),
      responseType: 'text',
      transformResponse: (body: unknown) => body,
      validateStatus: () => true,
      maxRedirects: 0,
    });

  return {
    async fetchPage({ connection, apiKey, position, limit, priority }) {
      const url = `${connection.baseUrl.replace(/\/+$/, '')}/admin/v1/orgs/${encodeURIComponent(connection.orgId)}/events-stream`;
      const query: Record<string, string> =
        'cursor' in position
          ? { cursor: position.cursor, limit: String(limit) }
          : { from: String(position.fromMs), ...(position.toMs !== undefined && { to: String(position.toMs) }), limit: String(limit), sortOrder: 'asc' };
      await params.pacer.take(connection.orgId, priority);
      let response;
      try {
        response = await client.get<string>(url, {
          params: query,
          headers: { Authorization: `Bearer ${apiKey}`, Accept: 'application/json' },
        });
      } catch (error) {
        params.onResponse?.({ orgId: connection.orgId, status: 'error' });
        throw classifyNetworkError({ error, what: `GET events-stream of Atlassian org ${connection.orgId}` });
      }
      const body = typeof response.data === 'string' ? response.data : String(response.data ?? '');
      params.onResponse?.({ orgId: connection.orgId, status: response.status });
      if (response.status !== 200) {
        throw classifyAtlassianResponse({
          status: response.status,
          headers: response.headers as Record<string, string>,
          body,
          orgId: connection.orgId,
          connection: connection.name,
          apiKeyRef: connection.apiKeyRef,
          nowMs: Date.now(),
        });
      }
      return parsePage(body, connection.orgId);
    },
  };
}

function malformed(orgId: string, what: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.MalformedResponse,
    message: `Atlassian org ${orgId}: events-stream answered 200 with ${what}; retrying`,
  });
}

/** Checks the envelope and the two fields the collector relies on; everything else passes untouched. */
export function parsePage(body: string, orgId: string): EventPage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw malformed(orgId, `a body that is not JSON (${body.length} bytes)`);
  }
  const page = parsed as { data?: unknown; meta?: { next?: unknown } };
  if (typeof page !== 'object' || page === null || !Array.isArray(page.data)) {
    throw malformed(orgId, 'no data array');
  }
  for (const [index, event] of page.data.entries()) {
    const e = event as Partial<AuditEvent> | null;
    if (typeof e?.id !== 'string' || typeof e.attributes?.processedAt !== 'string' || Number.isNaN(Date.parse(e.attributes.processedAt))) {
      throw malformed(orgId, `event ${index} lacking a string id or a valid attributes.processedAt`);
    }
  }
  const next = page.meta?.next;
  const events = page.data as AuditEvent[];
  return { events, lines: rawLines(body, events), nextCursor: typeof next === 'string' && next !== '' ? next : null };
}

/** The events' raw texts; an event the API spread over several lines is serialised instead. */
function rawLines(body: string, events: AuditEvent[]): string[] {
  const items = dataArrayItems(body);
  if (items === undefined || items.length !== events.length) return events.map((event) => JSON.stringify(event));
  return items.map((item, index) => (item.includes('\n') || item.includes('\r') ? JSON.stringify(events[index]) : item));
}
