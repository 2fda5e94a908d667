// Confluence Cloud's GET /wiki/rest/api/audit over a simulated log (docs/site-audit-apis.md §2).
import type { AuditAnswer } from './jira-audit';
import type { SiteSettings } from './site-quirks';
import type { SiteAuditLog } from './site-store';

const failure = (status: number, message: string): AuditAnswer => ({ status, body: JSON.stringify({ statusCode: status, message }) });

function param(query: URLSearchParams, name: string): number | null | undefined {
  const value = query.get(name);
  if (value === null || value === '') return null;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * One page: the records matching the query, newest first, from `start`. `base` is what the site's
 * `/wiki` is reached at; `_links.next`, relative to it, is there while more records follow.
 */
export function confluenceAuditPage(params: {
  log: SiteAuditLog;
  query: URLSearchParams;
  settings: SiteSettings;
  base: string;
}): AuditAnswer {
  const { log, query, settings } = params;
  const values: Record<'startDate' | 'endDate' | 'start' | 'limit', number | null> = {
    startDate: null,
    endDate: null,
    start: null,
    limit: null,
  };
  for (const name of Object.keys(values) as (keyof typeof values)[]) {
    const value = param(query, name);
    if (value === undefined) return failure(400, `${name} must be a whole number${name.endsWith('Date') ? ' of epoch milliseconds' : ''}.`);
    values[name] = value;
  }
  const search = query.get('searchString')?.toLowerCase();
  const matching = log.window({
    fromMs: values.startDate,
    toMs: values.endDate,
    inclusive: settings.inclusiveBounds,
    match: search ? (r) => r.json.toLowerCase().includes(search) : undefined,
  });
  const start = values.start ?? 0;
  const limit = Math.min(values.limit ?? settings.confluenceMaxLimit, settings.confluenceMaxLimit);
  const page = matching.slice(start, start + limit);
  const links: Record<string, string> = { base: params.base, context: '/wiki', self: `${params.base}/rest/api/audit` };
  if (limit > 0 && start + page.length < matching.length) {
    const next = new URLSearchParams();
    for (const name of ['startDate', 'endDate', 'searchString'] as const) {
      const value = query.get(name);
      if (value !== null) next.set(name, value);
    }
    next.set('start', String(start + page.length));
    next.set('limit', String(limit));
    links.next = `/rest/api/audit?${next}`;
  }
  const body = `{"results":[${page.map((r) => r.json).join(',')}],"start":${start},"limit":${limit},"size":${page.length},"_links":${JSON.stringify(links)}}`;
  return { status: 200, body };
}
