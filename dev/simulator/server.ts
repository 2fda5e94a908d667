// An HTTP simulator of the Atlassian Organizations API's audit-log endpoints, faithful to
// ../shared/atlassian-api.md, with a control interface under /_sim for tests and demos.
import http from 'node:http';
import { readJson } from './read-json';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { OrgLog, decodeCursor, encodeCursor, isVisible, visibleAtMs, type StoredEvent, type StreamCursor, type Visibility } from './store';
import { QUIRKS_OFF, isWholeMs, quirksError, shortPageLimit, swapAdjacentPairs, withQuirks } from './quirks';

export interface SimOrg {
  orgId: string;
  apiKeys: string[];
  events?: number;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  seed?: number;
  orgs: SimOrg[];
  /** Requests a minute per org and path on events-stream before 429; 0 turns limiting off. */
  rateLimitPerMinute?: number;
  /** Which timestamp `from`/`to` bound on events-stream (the API leaves it open). */
  windowOn?: 'processedAt' | 'time';
  /** How far back seeded events reach, and the share processed minutes after they happened. */
  seedSpanMs?: number;
  lateFraction?: number;
  retentionDays?: number;
  now?: () => number;
  /** A fresh random nonce in every cursor, so one position never yields the same string twice (default true). */
  cursorNonce?: boolean;
  /** `meta.next: null` and `links: {}` on the last page of an open-ended stream instead of a tail cursor (default false). */
  nullTail?: boolean;
  /**
   * Age (by `now`) after which a cursor is refused with 400 ADMIN-400-1; 0, the default, never.
   * Cursors carry their issue time only while this is set; those issued without one never expire.
   */
  cursorTtlMs?: number;
  /** See `StreamQuirks`: all off by default, each settable at run time through POST /_sim/settings. */
  visibilityDelayMs?: number;
  outOfOrderInPage?: boolean;
  cursorDropsTo?: boolean;
  shortPagesMidWindow?: boolean;
}

export type Fault =
  | { kind: 'status'; status: number; count?: number; retryAfter?: number }
  | { kind: 'rate-limit'; count?: number; reset?: 'minute' | 'seconds' | 'none'; retryAfter?: number }
  | { kind: 'slow'; delayMs: number; count?: number }
  | { kind: 'hang'; count?: number }
  | { kind: 'malformed'; count?: number }
  | { kind: 'invalid-cursor'; count?: number }
  /** Serves normally: spaces other faults out over requests. */
  | { kind: 'pass'; count?: number };

interface KeyRecord {
  orgId: string;
  revoked: boolean;
}

/** Requests by path; of those, the ones answered 429, in all and in each UTC minute (the rate-limit window). */
export interface SimulatorStats {
  requests: Record<string, number>;
  rateLimited: Record<string, number>;
  minutes: Record<string, Record<string, { requests: number; rateLimited: number }>>;
}

export interface Simulator {
  url: string;
  port: number;
  logs: Map<string, OrgLog>;
  stats: SimulatorStats;
  close(): Promise<void>;
}

const STREAM_RATE_DEFAULT = 50;
const EVENTS_API_RATE = 10;

function minuteStamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16) + 'Z';
}

function applicationError(status: number, code: string, title: string, detail: string) {
  return { errors: [{ id: randomUUID(), status: String(status), code, title, detail }] };
}

const invalidCursor = () => applicationError(400, 'ADMIN-400-1', 'Invalid page cursor', 'The cursor provided is invalid or has expired.');

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const now = options.now ?? Date.now;
  const seed = options.seed ?? 42;
  const logs = new Map<string, OrgLog>();
  const keys = new Map<string, KeyRecord>();
  options.orgs.forEach((org, index) => {
    const log = new OrgLog({ orgId: org.orgId, seed: seed + index * 7919 });
    log.seed({
      count: org.events ?? 0,
      endMs: now() - 1_000,
      spanMs: options.seedSpanMs ?? 3 * 86_400_000,
      lateFraction: options.lateFraction ?? 0.02,
    });
    logs.set(org.orgId, log);
    for (const key of org.apiKeys) keys.set(key, { orgId: org.orgId, revoked: false });
  });
  let rateLimitPerMinute = options.rateLimitPerMinute ?? STREAM_RATE_DEFAULT;
  let windowOn = options.windowOn ?? 'processedAt';
  let cursorNonce = options.cursorNonce ?? true;
  let nullTail = options.nullTail ?? false;
  let cursorTtlMs = options.cursorTtlMs ?? 0;
  if (!isWholeMs(cursorTtlMs)) throw new Error(`simulator: cursorTtlMs must be a whole number of milliseconds >= 0, not ${cursorTtlMs}`);
  const startQuirks = quirksError({ ...options });
  if (startQuirks) throw new Error(`simulator: ${startQuirks}`);
  let quirks = withQuirks(QUIRKS_OFF, { ...options });
  const pagesServed = new Map<string, number>();
  const retentionMs = (options.retentionDays ?? 180) * 86_400_000;
  let faults: Fault[] = [];
  const windows = new Map<string, { minute: string; count: number }>();
  const stats: SimulatorStats = { requests: {}, rateLimited: {}, minutes: {} };
  const hanging = new Set<http.ServerResponse>();
  let queryCache: { key: string; matching: StoredEvent[] } | undefined;

  const count = (label: string) => (stats.requests[label] = (stats.requests[label] ?? 0) + 1);

  /** A request that reached the rate limit, by the minute it fell in, and whether it was answered 429. */
  function countWindow(path: string, rateLimited: boolean) {
    const minute = (stats.minutes[minuteStamp(now())] ??= {});
    const counts = (minute[path] ??= { requests: 0, rateLimited: 0 });
    counts.requests += 1;
    if (!rateLimited) return;
    counts.rateLimited += 1;
    stats.rateLimited[path] = (stats.rateLimited[path] ?? 0) + 1;
  }

  function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  function takeFault(): Fault | undefined {
    const fault = faults[0];
    if (!fault) return undefined;
    const left = (fault.count ?? 1) - 1;
    if (left <= 0) faults.shift();
    else faults[0] = { ...fault, count: left } as Fault;
    return fault;
  }

  /** Fixed one-minute windows per org and path, with the headers the API sends on every response. */
  function rateLimit(orgId: string, path: string, limit: number): { headers: Record<string, string>; limited: boolean } {
    const t = now();
    const minute = minuteStamp(t);
    const id = `${orgId} ${path}`;
    let w = windows.get(id);
    if (!w || w.minute !== minute) {
      w = { minute, count: 0 };
      windows.set(id, w);
    }
    w.count += 1;
    const reset = minuteStamp(t + 60_000);
    const headers = {
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': String(Math.max(limit - w.count, 0)),
      'X-RateLimit-Reset': reset,
    };
    return { headers, limited: limit > 0 && rateLimitPerMinute > 0 && w.count > limit };
  }

  function sendRateLimited(
    res: http.ServerResponse,
    fault: Extract<Fault, { kind: 'rate-limit' }> | undefined,
    headers: Record<string, string>,
  ) {
    const h: Record<string, string> = { ...headers, 'X-RateLimit-Remaining': '0' };
    if (fault?.reset === 'seconds')
      h['X-RateLimit-Reset'] = new Date(Math.ceil(now() / 1000) * 1000 + 2_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (fault?.reset === 'none') delete h['X-RateLimit-Reset'];
    if (fault?.retryAfter !== undefined) h['Retry-After'] = String(fault.retryAfter);
    send(res, 429, { code: 429, message: 'Rate limit exceeded' }, h);
  }

  function pageBody(params: { events: StoredEvent[]; orgId: string; selfQuery: string; next: string | null; path: string }) {
    const base = `https://api.atlassian.com/admin/v1/orgs/${params.orgId}/${params.path}`;
    const links: Record<string, string> = {};
    if (params.next !== null) {
      links.self = `${base}?${params.selfQuery}`;
      links.next = `${base}?cursor=${params.next}`;
    }
    const meta = { next: params.next, page_size: params.events.length };
    return `{"data":[${params.events.map((e) => e.json).join(',')}],"links":${JSON.stringify(links)},"meta":${JSON.stringify(meta)}}`;
  }

  /** What every cursor handed out carries besides its position: issue time while cursors expire, and the nonce. */
  function issueFields(): { t?: number; n?: string } {
    return { ...(cursorTtlMs > 0 ? { t: now() } : {}), ...(cursorNonce ? { n: randomBytes(9).toString('base64url') } : {}) };
  }

  function visibility(): Visibility | undefined {
    return quirks.visibilityDelayMs > 0 ? { nowMs: now(), delayMs: quirks.visibilityDelayMs } : undefined;
  }

  /** The page size this request gets: `limit`, or less for a short page while short pages are on. */
  function pageLimit(orgId: string, limit: number): number {
    if (!quirks.shortPagesMidWindow) return limit;
    const pageNumber = (pagesServed.get(orgId) ?? 0) + 1;
    pagesServed.set(orgId, pageNumber);
    return shortPageLimit({ limit, pageNumber });
  }

  function expired(issuedAt: number | undefined): boolean {
    return cursorTtlMs > 0 && issuedAt !== undefined && now() - issuedAt > cursorTtlMs;
  }

  function parseLimit(value: string | null, fallback: number): number | undefined {
    if (value === null) return fallback;
    if (!/^\d+$/.test(value)) return undefined;
    const n = Number(value);
    return n >= 1 && n <= 500 ? n : undefined;
  }

  /** The request's `limit`, or undefined after answering 400 for one that is not 1 to 500. */
  function requestLimit(params: {
    res: http.ServerResponse;
    url: URL;
    fallback: number;
    headers: Record<string, string>;
  }): number | undefined {
    const limit = parseLimit(params.url.searchParams.get('limit'), params.fallback);
    if (limit === undefined) {
      send(
        params.res,
        400,
        applicationError(400, 'ADMIN-400-19', 'Invalid request syntax', 'limit must be an integer from 1 to 500.'),
        params.headers,
      );
    }
    return limit;
  }

  function parseMs(value: string | null): number | null | undefined {
    if (value === null || value === '') return null;
    return /^\d+$/.test(value) ? Number(value) : undefined;
  }

  function eventsStream(res: http.ServerResponse, orgId: string, url: URL, log: OrgLog, headers: Record<string, string>) {
    const limit = requestLimit({ res, url, fallback: 200, headers });
    if (limit === undefined) return;
    let cursor: StreamCursor;
    const cursorText = url.searchParams.get('cursor');
    if (cursorText !== null) {
      const decoded = decodeCursor(cursorText, orgId);
      if (!decoded || expired(decoded.t)) return send(res, 400, invalidCursor(), headers);
      const { t: _issued, ...bare } = decoded;
      cursor = bare;
    } else {
      const from = parseMs(url.searchParams.get('from'));
      const to = parseMs(url.searchParams.get('to'));
      const sort = url.searchParams.get('sortOrder') ?? 'asc';
      if (from === undefined || to === undefined || (from !== null && to !== null && from > to)) {
        return send(
          res,
          400,
          applicationError(400, 'ADMIN-400-3', 'Invalid time date', 'from and to must be epoch milliseconds with from <= to.'),
          headers,
        );
      }
      if (sort !== 'asc' && sort !== 'desc')
        return send(res, 400, applicationError(400, 'ADMIN-400-19', 'Invalid request syntax', 'sortOrder must be asc or desc.'), headers);
      const clampedFrom = from === null ? null : Math.max(from, now() - retentionMs);
      cursor = { v: 1, org: orgId, sort, from: clampedFrom, to, p: sort === 'asc' ? (clampedFrom ?? 0) : Number.MAX_SAFE_INTEGER, i: '' };
    }
    log.expire(now() - retentionMs);
    const size = pageLimit(orgId, limit);
    const { page, exhausted } = log.streamPage({ cursor, limit: size, windowOn, visibility: visibility() });
    const last = page.at(-1);
    const position = last ? { ...cursor, p: last.processedAtMs, i: last.id } : cursor;
    // A full page always carries a cursor; an open-ended stream carries a tail cursor unless nullTail.
    const end = page.length < size && (cursor.to !== null ? exhausted : nullTail);
    const next = end ? null : encodeCursor({ ...position, ...(quirks.cursorDropsTo ? { to: null } : {}), ...issueFields() });
    const events = quirks.outOfOrderInPage ? swapAdjacentPairs(page) : page;
    send(res, 200, pageBody({ events, orgId, selfQuery: url.searchParams.toString(), next, path: 'events-stream' }), headers);
  }

  function eventsQuery(res: http.ServerResponse, orgId: string, url: URL, log: OrgLog, headers: Record<string, string>) {
    const limit = requestLimit({ res, url, fallback: 30, headers });
    if (limit === undefined) return;
    let offset = 0;
    let query = url.searchParams;
    const cursorText = url.searchParams.get('cursor');
    if (cursorText !== null) {
      try {
        const c = JSON.parse(Buffer.from(cursorText, 'base64url').toString('utf8')) as {
          org: string;
          offset: number;
          q: string;
          t?: number;
        };
        if (c.org !== orgId || typeof c.offset !== 'number') throw new Error('foreign');
        if (expired(c.t)) throw new Error('expired');
        offset = c.offset;
        query = new URLSearchParams(c.q);
      } catch {
        return send(res, 400, invalidCursor(), headers);
      }
    }
    const from = parseMs(query.get('from'));
    const to = parseMs(query.get('to'));
    if (from === undefined || to === undefined)
      return send(res, 400, applicationError(400, 'ADMIN-400-3', 'Invalid time date', 'from and to must be epoch milliseconds.'), headers);
    const list = (name: string) => query.get(name)?.split(',').filter(Boolean);
    const actions = query.get('action');
    const actors = list('actor');
    const ips = list('ip');
    const q = query.get('q')?.toLowerCase();
    // Paging through a large log must not filter and sort it again for every page.
    const cacheKey = `${orgId} ${query.toString()} ${log.events.length} ${log.events.at(-1)?.id ?? ''}`;
    const matching =
      queryCache?.key === cacheKey
        ? queryCache.matching
        : log.events
            .filter((e) => (from === null || e.timeMs >= from) && (to === null || e.timeMs <= to))
            .filter((e) => !actions || e.event.attributes.action === actions)
            .filter((e) => !actors || actors.includes(String((e.event.attributes.actor as { id: string }).id)))
            .filter((e) => !ips || ips.includes(String((e.event.attributes.location as { ip?: string } | undefined)?.ip)))
            .filter((e) => !q || e.json.toLowerCase().includes(q))
            .sort((a, b) => b.timeMs - a.timeMs || (a.id < b.id ? -1 : 1));
    queryCache = { key: cacheKey, matching };
    const seen = visibility();
    const visible = seen ? matching.filter((e) => isVisible(e, seen)) : matching;
    const page = visible.slice(offset, offset + limit).map((e) => {
      const { processedAt: _drop, ...attributes } = e.event.attributes;
      return { ...e, json: JSON.stringify({ ...e.event, attributes, relations: null }) };
    });
    const more = offset + limit < visible.length;
    const next = more
      ? Buffer.from(JSON.stringify({ org: orgId, offset: offset + limit, q: query.toString(), ...issueFields() })).toString('base64url')
      : null;
    send(res, 200, pageBody({ events: page, orgId, selfQuery: url.searchParams.toString(), next, path: 'events' }), headers);
  }

  async function control(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const body = await readJson(req);
    const parts = url.pathname.split('/').filter(Boolean); // ['_sim', ...]
    const orgId = parts[1] === 'orgs' && (parts[3] === 'events' || parts[3] === 'dump') ? parts[2] : undefined;
    const log = orgId !== undefined ? logs.get(orgId) : undefined;
    if (orgId !== undefined && !log) return send(res, 404, { error: `unknown org ${orgId}` });
    if (req.method === 'POST' && log && parts[3] === 'events') {
      if (body.atLastMillisecond === true && body.sameMillisecond === true)
        return send(res, 400, { error: 'atLastMillisecond and sameMillisecond exclude each other' });
      const added = log.append({
        count: Number(body.count ?? 1),
        nowMs: now(),
        lateFraction: Number(body.lateFraction ?? 0),
        lateMs: Number(body.lateMs ?? 3_600_000),
        atLastMillisecond: body.atLastMillisecond === true,
        sameMillisecond: body.sameMillisecond === true,
      });
      return send(res, 200, { appended: added.length, ids: added.map((e) => e.id) });
    }
    if (req.method === 'GET' && log) {
      const line =
        parts[3] === 'dump'
          ? (e: StoredEvent) =>
              JSON.stringify({ id: e.id, processedAtMs: e.processedAtMs, visibleAtMs: visibleAtMs(e, quirks.visibilityDelayMs) })
          : (e: StoredEvent) => e.json;
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      // Honours backpressure: a million events need not sit in the socket's buffer at once.
      for (const e of log.events) if (!res.write(line(e) + '\n')) await new Promise((resolve) => res.once('drain', resolve));
      return res.end();
    }
    if (parts[1] === 'faults') {
      if (req.method === 'DELETE') faults = [];
      else faults.push(...((body.faults as Fault[]) ?? []));
      return send(res, 200, { pending: faults });
    }
    const keyId = parts[1] === 'keys' ? parts[2] : undefined;
    if (req.method === 'POST' && keyId) {
      const record = keys.get(decodeURIComponent(keyId));
      if (!record) return send(res, 404, { error: 'unknown key' });
      record.revoked = parts[3] === 'revoke';
      return send(res, 200, { revoked: record.revoked });
    }
    if (req.method === 'POST' && parts[1] === 'settings') {
      const bad = settingsError(body);
      if (bad) return send(res, 400, { error: bad });
      if (body.rateLimitPerMinute !== undefined) rateLimitPerMinute = Number(body.rateLimitPerMinute);
      if (body.windowOn === 'time' || body.windowOn === 'processedAt') windowOn = body.windowOn;
      if (typeof body.cursorNonce === 'boolean') cursorNonce = body.cursorNonce;
      if (typeof body.nullTail === 'boolean') nullTail = body.nullTail;
      if (isWholeMs(body.cursorTtlMs)) cursorTtlMs = body.cursorTtlMs;
      quirks = withQuirks(quirks, body);
      return send(res, 200, { rateLimitPerMinute, windowOn, cursorNonce, nullTail, cursorTtlMs, ...quirks });
    }
    if (req.method === 'GET' && parts[1] === 'stats') return send(res, 200, stats);
    send(res, 404, { error: 'unknown control path' });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://simulator');
    if (url.pathname.startsWith('/_sim/')) return control(req, res, url);
    const match = /^\/admin\/v1\/orgs\/([^/]+)\/(events-stream|events|event-actions)(?:\/([^/]+))?$/.exec(url.pathname);
    const [, orgId, path] = match ?? [];
    if (orgId === undefined || path === undefined)
      return send(res, 404, applicationError(404, 'ADMIN-404-1', 'Not found', 'Unknown resource.'));
    count(path);
    if (req.method !== 'GET') return send(res, 405, applicationError(405, 'ADMIN-405-1', 'Method not supported', 'Only GET is supported.'));
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const key = token !== undefined ? keys.get(token) : undefined;
    if (!key || key.revoked) return send(res, 401, { code: 401, message: 'Unauthorized' });
    const log = logs.get(orgId);
    if (!log) return send(res, 404, applicationError(404, 'ADMIN-404-2', 'Organization not found', 'The organization does not exist.'));
    if (key.orgId !== orgId)
      return send(res, 403, applicationError(403, 'ADMIN-403-3', 'Forbidden', 'The API key does not belong to this organization.'));

    const { headers, limited } = rateLimit(orgId, path, path === 'events-stream' ? rateLimitPerMinute : EVENTS_API_RATE);
    const fault = takeFault();
    countWindow(path, fault?.kind === 'rate-limit' || limited);
    if (fault?.kind === 'rate-limit') return sendRateLimited(res, fault, headers);
    if (limited) return sendRateLimited(res, undefined, headers);
    if (fault?.kind === 'status') {
      const h: Record<string, string> = fault.retryAfter !== undefined ? { ...headers, 'Retry-After': String(fault.retryAfter) } : headers;
      return send(res, fault.status, applicationError(fault.status, `ADMIN-${fault.status}-1`, 'Internal error', 'Simulated failure.'), h);
    }
    if (fault?.kind === 'invalid-cursor') return send(res, 400, invalidCursor(), headers);
    if (fault?.kind === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.kind === 'malformed') {
      const full = '{"data":[' + (log.events[0]?.json ?? '{}');
      res.writeHead(200, { 'Content-Type': 'application/json', ...headers });
      return res.end(full.slice(0, Math.max(10, Math.floor(full.length / 2))));
    }
    if (path === 'events-stream') return eventsStream(res, orgId, url, log, headers);
    if (path === 'events') return eventsQuery(res, orgId, url, log, headers);
    return send(res, 200, { data: [] }, headers);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, applicationError(500, 'ADMIN-500-1', 'Internal error', String(error))));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`simulator: port ${options.port} is already in use; stop what listens there or choose another port`)
          : error,
      ),
    );
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    logs,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Why the cursor and quirk settings in a POST /_sim/settings body are unusable, if they are; nothing is applied then. */
function settingsError(body: Record<string, unknown>): string | undefined {
  for (const name of ['cursorNonce', 'nullTail'] as const) {
    if (body[name] !== undefined && typeof body[name] !== 'boolean') return `${name} must be true or false`;
  }
  if (body.cursorTtlMs !== undefined && !isWholeMs(body.cursorTtlMs)) return 'cursorTtlMs must be a whole number of milliseconds >= 0';
  return quirksError(body);
}
