// The HTTP client for GET /admin/v1/orgs/{orgId}/events-stream. It returns raw event objects
// exactly as the API sent them and turns every failure into a classified Temporal failure.
import { createHash } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import { createHttpClient } from './http';
import type { ConnectionSpec, StreamPosition } from '../model/types';
import { ErrorType } from '../common/failures';
import { checkApiKey, classifyNetworkError } from './network-errors';
import { classifyAtlassianResponse } from './errors';
import type { Pacer, Priority } from './pacer';
import { dataArrayItems } from './raw-json';
import { ApplicationFailure } from '@temporalio/common';

export interface AuditEvent {
  /** Required by the API's schema; an event without one is still kept (see eventIdOf). */
  id: string;
  /** `processedAt` is required by the API's schema; an event without one is still kept. */
  attributes?: { processedAt?: unknown; [key: string]: unknown };
  [key: string]: unknown;
}

export interface EventPage {
  events: AuditEvent[];
  /** Each event's JSON text exactly as the API sent it, on one line: what the collector stores. */
  lines: string[];
  /** Each event's processedAt in epoch ms, or undefined where it has none (or one that is not a date). */
  processedAtMs: Array<number | undefined>;
  /** The cursor to continue from; null when the API gave none (the last page may or may not carry one). */
  nextCursor: string | null;
}

export interface EventSource {
  /**
   * The page after `position`: by its cursor when it has one, else `from=atMs` (and `to=toMs` when
   * given). `priority` orders requests in the org's request budget: live goes before backfills.
   */
  fetchPage(params: {
    connection: ConnectionSpec;
    apiKey: string;
    position: StreamPosition;
    toMs?: number;
    limit: number;
    priority?: Priority;
  }): Promise<EventPage>;
}

export const MAX_PAGE_LIMIT = 500;

export function createAtlassianClient(params: {
  timeoutMs: number;
  pacer: Pacer;
  http?: AxiosInstance;
  /** Told of every answer's status (or `error` when none came): feeds the requests metric. */
  onResponse?: (params: { orgId: string; status: number | 'error' }) => void;
}): EventSource {
  const client = params.http ?? createHttpClient({ timeoutMs: params.timeoutMs });

  return {
    async fetchPage({ connection, apiKey, position, toMs, limit, priority }) {
      const url = `${connection.baseUrl.replace(/\/+$/, '')}/admin/v1/orgs/${encodeURIComponent(connection.orgId)}/events-stream`;
      const query: Record<string, string> =
        position.cursor !== null
          ? { cursor: position.cursor, limit: String(limit) }
          : { from: String(position.atMs), ...(toMs !== undefined && { to: String(toMs) }), limit: String(limit), sortOrder: 'asc' };
      // axios drops characters a header cannot carry instead of failing: the key would be sent altered.
      const unusable = checkApiKey({ apiKey, connection: connection.name, apiKeyRef: connection.apiKeyRef });
      if (unusable) throw unusable;
      await params.pacer.take(connection.orgId, priority);
      let response;
      try {
        response = await client.get<string>(url, {
          params: query,
          headers: { Authorization: `Bearer ${apiKey}`, Accept: 'application/json' },
        });
      } catch (error) {
        params.onResponse?.({ orgId: connection.orgId, status: 'error' });
        throw classifyNetworkError({
          error,
          what: `GET events-stream of Atlassian org ${connection.orgId}`,
          baseUrl: connection.baseUrl,
          connection: connection.name,
          apiKeyRef: connection.apiKeyRef,
        });
      }
      const body = typeof response.data === 'string' ? response.data : String(response.data ?? '');
      params.onResponse?.({ orgId: connection.orgId, status: response.status });
      // Every answer, 200s too, says what is left of the org's budget that all workers share.
      params.pacer.observe({ key: connection.orgId, status: response.status, headers: response.headers as Record<string, string> });
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
  const processedAtMs: Array<number | undefined> = [];
  for (const [index, event] of page.data.entries()) {
    const e = event as Partial<AuditEvent> | null;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw malformed(orgId, `event ${index} that is not an object`);
    processedAtMs.push(processedAtOf(e as AuditEvent));
  }
  const next = page.meta?.next;
  const events = page.data as AuditEvent[];
  return { events, lines: rawLines(body, events), processedAtMs, nextCursor: typeof next === 'string' && next !== '' ? next : null };
}

/**
 * The event's `id`, or for an event without a string one (the API's schema requires it; such an
 * event is kept all the same, exactly as received) an ID from its content, so that a re-read of it
 * is still recognised as written.
 */
export function eventIdOf(event: AuditEvent, line: string): string {
  return typeof event.id === 'string' && event.id !== '' ? event.id : `sha256:${createHash('sha256').update(line).digest('hex')}`;
}

/** An event's processedAt in epoch ms, or undefined when it has none that parses. */
export function processedAtOf(event: AuditEvent): number | undefined {
  const value = event.attributes?.processedAt;
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/** The events' raw texts; an event the API spread over several lines is serialised instead. */
function rawLines(body: string, events: AuditEvent[]): string[] {
  const items = dataArrayItems(body);
  if (items === undefined || items.length !== events.length) return events.map((event) => JSON.stringify(event));
  return items.map((item, index) => (item.includes('\n') || item.includes('\r') ? JSON.stringify(events[index]) : item));
}
