// Jira Cloud's GET /rest/api/3/auditing/record over a simulated log (docs/site-audit-apis.md §1).
import type { SiteSettings } from './site-quirks';
import type { SiteAuditLog, SiteRecord } from './site-store';

export interface AuditAnswer {
  status: number;
  body: string;
}

const MAX_LIMIT = 1000;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Epoch ms of an ISO 8601 date-time as Jira is seen to accept it: with or without millis, with `Z`
 * or an offset with or without a colon. Without a zone it is read as UTC, as the site URL appears to
 * do. Anything else, epoch milliseconds included (no evidence Jira takes them), is undefined.
 */
export function parseJiraDate(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0')));
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return Number.isFinite(ms) ? ms : undefined;
}

const errors = (status: number, message: string): AuditAnswer => ({
  status,
  body: JSON.stringify({ errorMessages: [message], errors: {} }),
});

function wholeParam(query: URLSearchParams, name: string): number | null | undefined {
  const value = query.get(name);
  if (value === null || value === '') return null;
  return /^-?\d+$/.test(value) ? Number(value) : undefined;
}

/** Each space-separated term of `filter` must appear somewhere in the record, ignoring case. */
function filterMatch(filter: string | null): ((r: SiteRecord) => boolean) | undefined {
  const terms = filter?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
  if (terms.length === 0) return undefined;
  return (r) => {
    const text = r.json.toLowerCase();
    return terms.every((t) => text.includes(t));
  };
}

/** One page: the records matching the query, newest first, from `offset`. */
export function jiraAuditPage(params: { log: SiteAuditLog; query: URLSearchParams; settings: SiteSettings }): AuditAnswer {
  const { log, query, settings } = params;
  const offset = wholeParam(query, 'offset');
  const requested = wholeParam(query, 'limit');
  if (offset === undefined || (offset !== null && offset < 0)) return errors(400, 'offset must be a whole number >= 0.');
  if (requested === undefined) return errors(400, 'limit must be a whole number.');
  if (requested !== null && requested > MAX_LIMIT && settings.jiraOverLimit === 'reject')
    return errors(400, `limit must not be greater than ${MAX_LIMIT}.`);
  // Out of range, Jira Server serves 1000 and echoes what was asked for.
  const served = requested === null || requested <= 0 || requested > MAX_LIMIT ? MAX_LIMIT : requested;
  const bounds: Record<'from' | 'to', number | null> = { from: null, to: null };
  for (const name of ['from', 'to'] as const) {
    const text = query.get(name);
    if (text === null || text === '') continue;
    const ms = parseJiraDate(text);
    if (ms === undefined) return errors(400, `'${text}' is not a valid date-time for ${name}; use yyyy-MM-ddTHH:mm:ss.SSSZ.`);
    bounds[name] = ms;
  }
  const matching = log.window({
    fromMs: bounds.from,
    toMs: bounds.to,
    inclusive: settings.inclusiveBounds,
    match: filterMatch(query.get('filter')),
  });
  const start = offset ?? 0;
  const page = matching.slice(start, start + served);
  const total = Math.max(0, (settings.totalMode === 'log' ? log.size : matching.length) + settings.totalSkew);
  return {
    status: 200,
    body: `{"offset":${start},"limit":${requested ?? MAX_LIMIT},"total":${total},"records":[${page.map((r) => r.json).join(',')}]}`,
  };
}
