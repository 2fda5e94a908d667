// HTTP simulators of the Jira Cloud and Confluence Cloud site audit logs (docs/site-audit-apis.md), one
// loopback port per site, so `http://127.0.0.1:PORT` stands for `https://<site>.atlassian.net`. Each
// port also has a control interface under /_sim for tests and demos.
import http from 'node:http';
import { readJson } from './read-json';
import type { AddressInfo } from 'node:net';
import { confluenceAuditPage } from './confluence-audit';
import { seededRandom, uuid } from './generate';
import { jiraAuditPage } from './jira-audit';
import type { Product } from './site-generate';
import { SITE_DEFAULTS, siteSettingsError, withSiteSettings, type SiteSettings } from './site-quirks';
import { SiteAuditLog } from './site-store';

/** One product of one site: who may read its audit log, and how many records it starts with. */
export interface SimSite {
  /** The `<site>` of `<site>.atlassian.net`. Entries naming the same site share its port. */
  site: string;
  product: Product;
  /** The account the tokens belong to; Basic auth is `email:token`. */
  email: string;
  /** Tokens of an admin of this product (Administer Jira, Confluence Administrator). */
  apiTokens: string[];
  /** Valid tokens of the same account without the admin permission: 403. */
  nonAdminTokens?: string[];
  records?: number;
  /** The site's port (default 0, any free one); the first entry of a site that gives one wins. */
  port?: number;
}

export interface SiteSimulatorOptions extends Partial<SiteSettings> {
  sites: SimSite[];
  host?: string;
  seed?: number;
  now?: () => number;
  /** How far back seeded records reach (default three days). */
  seedSpanMs?: number;
}

export type SiteFault =
  { kind: 'rate-limit'; count?: number; retryAfter?: number } | { kind: 'status'; status: number; count?: number; retryAfter?: number };

export interface SiteStats {
  requests: Partial<Record<Product, number>>;
  byStatus: Record<string, number>;
  /** Audit requests answered 429, by product (the budget's and injected faults'). */
  rateLimited: Partial<Record<Product, number>>;
  /** Requests that reached the per-minute budget, by UTC minute (`2026-12-01T10:01Z`) and product, and how many it refused. */
  minutes: Record<string, Partial<Record<Product, { requests: number; rateLimited: number }>>>;
}

export interface SimulatedSite {
  site: string;
  url: string;
  port: number;
  /** For the gateway form `${url}/ex/{jira|confluence}/${cloudId}` that scoped tokens use. */
  cloudId: string;
  logs: Partial<Record<Product, SiteAuditLog>>;
  stats: SiteStats;
  settings(): SiteSettings;
}

export interface SiteSimulator {
  sites: Map<string, SimulatedSite>;
  /** The base URL standing for `https://<site>.atlassian.net`. */
  url(site: string): string;
  close(): Promise<void>;
}

const JIRA_PATH = /^\/rest\/api\/[23]\/auditing\/record$/;
const CONFLUENCE_PATH = '/wiki/rest/api/audit';
const GATEWAY = /^\/ex\/(jira|confluence)\/([^/]+)(\/.*)$/;

// Observed on Jira Cloud for a wrong or revoked token, naming Confluence there too; and without credentials.
const BAD_CREDENTIALS =
  'Basic authentication with passwords is deprecated.  For more information, see: https://developer.atlassian.com/cloud/confluence/deprecation-notice-basic-auth/';
const NO_CREDENTIALS = 'Client must be authenticated to access this resource.';

// The shapes are each product's error bodies; the admin wordings are mine, the plan ones are quoted.
const FORBIDDEN: Record<Product, { admin: string; plan: string }> = {
  jira: {
    admin: JSON.stringify({ errorMessages: ['You do not have the Administer Jira permission needed to view audit records.'], errors: {} }),
    plan: JSON.stringify({
      errorMessages: ["Audit logs aren't available for this site as all of its Jira Cloud products are on Free plans."],
      errors: {},
    }),
  },
  confluence: {
    admin: JSON.stringify({ statusCode: 403, message: 'Confluence Administrator permission is required to view the audit log.' }),
    plan: JSON.stringify({
      statusCode: 403,
      message: 'Cannot make this request because you are on Free edition. Please upgrade to standard or premium.',
    }),
  },
};

const RATE_LIMITED: Record<Product, string> = {
  jira: JSON.stringify({ errorMessages: ['Rate limit exceeded.'], errors: {} }),
  confluence: JSON.stringify({ statusCode: 429, message: 'Rate limit exceeded.' }),
};

/** `yyyy-MM-ddTHH:mmZ`, the minute-precision form Atlassian gives X-RateLimit-Reset, rounded up. */
function resetStamp(ms: number): string {
  return new Date(Math.ceil(ms / 60_000) * 60_000).toISOString().slice(0, 16) + 'Z';
}

interface Account {
  email: string;
  admin: Set<string>;
  nonAdmin: Set<string>;
}

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}, type = 'application/json') {
  res.writeHead(status, { 'Content-Type': `${type};charset=UTF-8`, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Why an append body is unusable, if it is. */
function appendError(body: Record<string, unknown>): string | undefined {
  const whole = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!whole(body.count) || (body.count as number) > 100_000) return 'count must be a whole number from 0 to 100000';
  if (body.atMs !== undefined && !whole(body.atMs)) return 'atMs must be whole epoch milliseconds';
  for (const name of ['sameMillisecond', 'identical'] as const) {
    if (body[name] !== undefined && typeof body[name] !== 'boolean') return `${name} must be true or false`;
  }
  return undefined;
}

async function startSite(params: {
  site: string;
  entries: SimSite[];
  options: SiteSimulatorOptions;
  seed: number;
  now: () => number;
}): Promise<{ simulated: SimulatedSite; close: () => Promise<void> }> {
  const { site, entries, options, now } = params;
  const cloudId = uuid(seededRandom(params.seed + 3));
  const logs: Partial<Record<Product, SiteAuditLog>> = {};
  const accounts: Partial<Record<Product, Account>> = {};
  entries.forEach((entry, index) => {
    if (logs[entry.product]) throw new Error(`site simulator: ${site} lists ${entry.product} twice`);
    const log = new SiteAuditLog({ product: entry.product, seed: params.seed + (index + 1) * 7919 });
    log.seed({ count: entry.records ?? 0, endMs: now() - 1_000, spanMs: options.seedSpanMs ?? 3 * 86_400_000 });
    logs[entry.product] = log;
    accounts[entry.product] = { email: entry.email, admin: new Set(entry.apiTokens), nonAdmin: new Set(entry.nonAdminTokens ?? []) };
  });
  let settings = withSiteSettings(SITE_DEFAULTS, { ...options });
  const revoked = new Set<string>();
  let faults: SiteFault[] = [];
  let window = { minute: -1, count: 0 };
  const stats: SiteStats = { requests: {}, byStatus: {}, rateLimited: {}, minutes: {} };
  let url = '';

  function answer(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}, type?: string) {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    send(res, status, body, headers, type);
  }

  function takeFault(): SiteFault | undefined {
    const fault = faults[0];
    if (!fault) return undefined;
    const left = (fault.count ?? 1) - 1;
    if (left <= 0) faults.shift();
    else faults[0] = { ...fault, count: left };
    return fault;
  }

  /** Fixed one-minute windows per site; the headers go on every audit response while a budget is set. */
  function budget(): { headers: Record<string, string>; limited: boolean; retryAfter: number } {
    const limit = settings.requestsPerMinute;
    if (limit === 0) return { headers: {}, limited: false, retryAfter: 0 };
    const t = now();
    const minute = Math.floor(t / 60_000);
    if (window.minute !== minute) window = { minute, count: 0 };
    window.count += 1;
    const headers = { 'X-RateLimit-Limit': String(limit), 'X-RateLimit-Remaining': String(Math.max(limit - window.count, 0)) };
    return { headers, limited: window.count > limit, retryAfter: Math.max(1, Math.ceil(((minute + 1) * 60_000 - t) / 1000)) };
  }

  function rateLimited(res: http.ServerResponse, product: Product, retryAfter: number, headers: Record<string, string>) {
    stats.rateLimited[product] = (stats.rateLimited[product] ?? 0) + 1;
    const h: Record<string, string> = {
      'X-RateLimit-Limit': String(settings.requestsPerMinute || 100),
      ...headers,
      'X-RateLimit-Remaining': '0',
      'Retry-After': String(retryAfter),
      'X-RateLimit-Reset': resetStamp(now() + retryAfter * 1000),
    };
    if (product === 'jira') h['RateLimit-Reason'] = 'jira-burst-based';
    answer(res, 429, RATE_LIMITED[product], h);
  }

  /** The account's standing for `product`: 'admin', 'user', or why it is refused. */
  function authenticate(product: Product, header: string | undefined): 'admin' | 'user' | 'none' | 'bad' {
    const encoded = /^Basic (.+)$/i.exec(header ?? '')?.[1];
    if (encoded === undefined) return 'none';
    const text = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    const [email, token] = [text.slice(0, colon), text.slice(colon + 1)];
    const account = accounts[product];
    if (colon < 0 || !account || email !== account.email || revoked.has(token)) return 'bad';
    if (account.admin.has(token)) return 'admin';
    return account.nonAdmin.has(token) ? 'user' : 'bad';
  }

  function serveAudit(req: http.IncomingMessage, res: http.ServerResponse, product: Product, query: URLSearchParams, base: string) {
    stats.requests[product] = (stats.requests[product] ?? 0) + 1;
    const log = logs[product]!;
    const fault = takeFault();
    if (fault?.kind === 'rate-limit') return rateLimited(res, product, fault.retryAfter ?? 1, {});
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {};
      return answer(res, fault.status, JSON.stringify({ message: 'Simulated failure.' }), headers);
    }
    const who = authenticate(product, req.headers.authorization);
    if (who === 'none' || who === 'bad') return answer(res, 401, who === 'none' ? NO_CREDENTIALS : BAD_CREDENTIALS, {}, 'text/plain');
    if (settings.freePlan) return answer(res, 403, FORBIDDEN[product].plan);
    if (who === 'user') return answer(res, 403, FORBIDDEN[product].admin);
    const { headers, limited, retryAfter } = budget();
    const minute = (stats.minutes[new Date(now()).toISOString().slice(0, 16) + 'Z'] ??= {});
    const counts = (minute[product] ??= { requests: 0, rateLimited: 0 });
    counts.requests += 1;
    if (limited) counts.rateLimited += 1;
    if (limited) return rateLimited(res, product, retryAfter, headers);
    const page = product === 'jira' ? jiraAuditPage({ log, query, settings }) : confluenceAuditPage({ log, query, settings, base });
    answer(res, page.status, page.body, headers);
    if (page.status === 200 && settings.arrivalsBetweenPages > 0) log.append({ count: settings.arrivalsBetweenPages, nowMs: now() });
  }

  async function control(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const parts = url.pathname.split('/').filter(Boolean).slice(1);
    const body = req.method === 'POST' ? await readJson(req) : {};
    const product = parts[0] === 'jira' || parts[0] === 'confluence' ? parts[0] : undefined;
    const log = product ? logs[product] : undefined;
    if (product && !log) return send(res, 404, JSON.stringify({ error: `${site} has no ${product} log` }));
    if (log && parts[1] === 'records' && req.method === 'POST') {
      const bad = appendError(body);
      if (bad) return send(res, 400, JSON.stringify({ error: bad }));
      const added = log.append({
        ...(body as { count: number; atMs?: number; sameMillisecond?: boolean; identical?: boolean }),
        nowMs: now(),
      });
      return send(res, 200, JSON.stringify({ appended: added.length, keys: added.map((r) => r.key) }));
    }
    if (log && parts[1] === 'dump' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      for (const r of log.newestFirst()) {
        const line = `{"key":${JSON.stringify(r.key)},"seq":${r.seq},"createdMs":${r.createdMs},"record":${r.json}}\n`;
        if (!res.write(line)) await new Promise((resolve) => res.once('drain', resolve));
      }
      return res.end();
    }
    if (parts[0] === 'tokens' && parts[1] && req.method === 'POST' && (parts[2] === 'revoke' || parts[2] === 'restore')) {
      const token = decodeURIComponent(parts[1]);
      const known = Object.values(accounts).some((a) => a.admin.has(token) || a.nonAdmin.has(token));
      if (!known) return send(res, 404, JSON.stringify({ error: 'unknown token' }));
      if (parts[2] === 'revoke') revoked.add(token);
      else revoked.delete(token);
      return send(res, 200, JSON.stringify({ revoked: revoked.has(token) }));
    }
    if (parts[0] === 'settings' && req.method === 'POST') {
      const bad = siteSettingsError(body);
      if (bad) return send(res, 400, JSON.stringify({ error: bad }));
      settings = withSiteSettings(settings, body);
      return send(res, 200, JSON.stringify(settings));
    }
    if (parts[0] === 'faults' && (req.method === 'POST' || req.method === 'DELETE')) {
      if (req.method === 'DELETE') faults = [];
      else faults.push(...((body.faults as SiteFault[] | undefined) ?? []));
      return send(res, 200, JSON.stringify({ pending: faults }));
    }
    if (parts[0] === 'stats' && req.method === 'GET') return send(res, 200, JSON.stringify(stats));
    send(res, 404, JSON.stringify({ error: 'unknown control path' }));
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const parsed = new URL(req.url ?? '/', 'http://site');
    if (parsed.pathname.startsWith('/_sim/')) return control(req, res, parsed);
    if (parsed.pathname === '/_edge/tenant_info') return send(res, 200, JSON.stringify({ cloudId }));
    let path = parsed.pathname;
    let base = `${url}/wiki`;
    let only: Product | undefined;
    const gateway = GATEWAY.exec(path);
    if (gateway) {
      const [, product, id, rest] = gateway;
      if (id !== cloudId) return send(res, 404, JSON.stringify({ message: 'Site not found' }));
      only = product as Product;
      path = rest!;
      base = `${url}/ex/confluence/${cloudId}/wiki`;
    }
    const product: Product | undefined = JIRA_PATH.test(path) ? 'jira' : path === CONFLUENCE_PATH ? 'confluence' : undefined;
    if (!product || !logs[product] || (only && only !== product)) return send(res, 404, JSON.stringify({ message: 'Not found' }));
    if (req.method !== 'GET') return send(res, 405, JSON.stringify({ message: 'Method not allowed' }));
    serveAudit(req, res, product, parsed.searchParams, base);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, JSON.stringify({ message: String(error) })));
  });
  const port = entries.find((e) => e.port !== undefined)?.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`site simulator: port ${port} is already in use; choose another port`) : error),
    );
    server.listen(port, options.host ?? '127.0.0.1', resolve);
  });
  const actual = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${actual}`;
  return {
    simulated: { site, url, port: actual, cloudId, logs, stats, settings: () => settings },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function startSiteSimulator(options: SiteSimulatorOptions): Promise<SiteSimulator> {
  const settingsError = siteSettingsError({ ...options });
  if (settingsError) throw new Error(`site simulator: ${settingsError}`);
  const seed = options.seed ?? 42;
  const now = options.now ?? Date.now;
  const bySite = new Map<string, SimSite[]>();
  for (const entry of options.sites) bySite.set(entry.site, [...(bySite.get(entry.site) ?? []), entry]);
  const sites = new Map<string, SimulatedSite>();
  const closers: (() => Promise<void>)[] = [];
  const close = () => Promise.all(closers.map((c) => c())).then(() => undefined);
  try {
    let index = 0;
    for (const [site, entries] of bySite) {
      const started = await startSite({ site, entries, options, seed: seed + index++ * 104_729, now });
      sites.set(site, started.simulated);
      closers.push(started.close);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    sites,
    url: (site) => {
      const found = sites.get(site);
      if (!found) throw new Error(`site simulator: no site ${site}`);
      return found.url;
    },
    close,
  };
}
