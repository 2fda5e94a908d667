import { createHash } from 'node:crypto';
import { jiraTimestamp } from '../../dev/simulator/site-generate';
import { startSiteSimulator, type SiteSimulator, type SiteSimulatorOptions } from '../../dev/simulator/site-server';
import { canonicalJson } from '../../dev/simulator/site-store';

const SITE = 'acme';
const EMAIL = 'admin@acme.example';
const TOKEN = 'admin-token';
const USER_TOKEN = 'user-token';
const T0 = Date.parse('2025-05-19T10:00:00Z');

const running: SiteSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

async function start(params: { jira?: number; confluence?: number; clock?: { ms: number } } & Partial<SiteSimulatorOptions> = {}) {
  const { jira = 0, confluence = 0, clock, ...options } = params;
  const account = { site: SITE, email: EMAIL, apiTokens: [TOKEN], nonAdminTokens: [USER_TOKEN] };
  const sim = await startSiteSimulator({
    sites: [
      { ...account, product: 'jira', records: jira },
      { ...account, product: 'confluence', records: confluence },
    ],
    seedSpanMs: 3_600_000,
    ...(clock ? { now: () => clock.ms } : {}),
    ...options,
  });
  running.push(sim);
  return sim;
}

const basic = (token = TOKEN, email = EMAIL) => `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`;

interface JiraRecord {
  id: number;
  created: string;
}
interface JiraPage {
  offset: number;
  limit: number;
  total: number;
  records: JiraRecord[];
}
interface ConfluencePage {
  results: { creationDate: number; summary: string }[];
  start: number;
  limit: number;
  size: number;
  _links: { base: string; self: string; next?: string };
}

// The APIs' JSON (or text), read back as data: the assertions check its shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

async function request(
  sim: SiteSimulator,
  path: string,
  authorization: string | null = basic(),
): Promise<{ status: number; body: Body; headers: Headers }> {
  const res = await fetch(`${sim.url(SITE)}${path}`, { headers: authorization === null ? {} : { Authorization: authorization } });
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json');
  return { status: res.status, body: json ? JSON.parse(text) : text, headers: res.headers };
}

const query = (q: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)])).toString();

async function jira(sim: SiteSimulator, q: Record<string, string | number> = {}, authorization?: string | null) {
  return request(sim, `/rest/api/3/auditing/record?${query(q)}`, authorization);
}

async function jiraPage(sim: SiteSimulator, q: Record<string, string | number> = {}): Promise<JiraPage> {
  const { status, body } = await jira(sim, q);
  expect(status).toBe(200);
  return body as JiraPage;
}

async function confluencePage(sim: SiteSimulator, path: string): Promise<ConfluencePage> {
  const { status, body } = await request(sim, path);
  expect(status).toBe(200);
  return body as ConfluencePage;
}

async function control(sim: SiteSimulator, path: string, body: unknown = {}, method = 'POST') {
  const res = await fetch(`${sim.url(SITE)}/_sim/${path}`, { method, body: method === 'GET' ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

interface DumpLine {
  key: string;
  seq: number;
  createdMs: number;
  record: Record<string, unknown>;
}

async function dump(sim: SiteSimulator, product: 'jira' | 'confluence'): Promise<DumpLine[]> {
  const text = await (await fetch(`${sim.url(SITE)}/_sim/${product}/dump`)).text();
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as DumpLine);
}

const ids = (page: JiraPage) => page.records.map((r) => r.id);
const createdMs = (r: JiraRecord) => Date.parse(r.created.replace(/\+0000$/, 'Z'));

/** Reads a window with offset pages until a short page, as the API invites; `between` runs after each full page. */
async function offsetReader(params: {
  sim: SiteSimulator;
  window: Record<string, string>;
  limit: number;
  between?: () => Promise<void>;
  stopAtTotal?: boolean;
}): Promise<number[]> {
  const seen: number[] = [];
  for (let offset = 0; ; offset += params.limit) {
    const page = await jiraPage(params.sim, { ...params.window, offset, limit: params.limit });
    seen.push(...ids(page));
    if (page.records.length < params.limit) return seen;
    // Elastic's stop rule since #7922: no further page once offset + limit reaches `total`.
    if (params.stopAtTotal && offset + params.limit >= page.total) return seen;
    await params.between?.();
  }
}

describe('pagination, newest first', () => {
  it('Jira serves every record by offset, newest first, in the order of the dump', async () => {
    const sim = await start({ jira: 45 });
    const pages = [
      await jiraPage(sim, { limit: 20 }),
      await jiraPage(sim, { limit: 20, offset: 20 }),
      await jiraPage(sim, { limit: 20, offset: 40 }),
    ];
    expect(pages.map((p) => p.records.length)).toEqual([20, 20, 5]);
    expect(pages.map((p) => p.offset)).toEqual([0, 20, 40]);
    const served = pages.flatMap((p) => p.records);
    expect(served.map((r) => String(r.id))).toEqual((await dump(sim, 'jira')).map((d) => d.key));
    for (let n = 1; n < served.length; n++) {
      const [newer, older] = [served[n - 1]!, served[n]!];
      expect(createdMs(newer) > createdMs(older) || (createdMs(newer) === createdMs(older) && newer.id > older.id)).toBe(true);
    }
    expect(served[0]!.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  });

  it('Confluence serves every record newest first through _links.next, which ends on the last page', async () => {
    const sim = await start({ confluence: 25 });
    const pages = [await confluencePage(sim, '/wiki/rest/api/audit?limit=10')];
    while (pages.at(-1)!._links.next) pages.push(await confluencePage(sim, `/wiki${pages.at(-1)!._links.next}`));
    expect(pages.map((p) => [p.start, p.limit, p.size])).toEqual([
      [0, 10, 10],
      [10, 10, 10],
      [20, 10, 5],
    ]);
    const served = pages.flatMap((p) => p.results);
    const all = await dump(sim, 'confluence');
    expect(served).toEqual(all.map((d) => d.record));
    expect(served.map((r) => r.creationDate)).toEqual([...served.map((r) => r.creationDate)].sort((a, b) => b - a));
    expect(pages[0]!._links.base).toBe(`${sim.url(SITE)}/wiki`);
  });

  it('answers Jira limit above 1000 with 400, or serves 1000 and echoes the request when clamping', async () => {
    const sim = await start({ jira: 1_005 });
    const refused = await jira(sim, { limit: 1001 });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ errorMessages: ['limit must not be greater than 1000.'], errors: {} });
    expect((await jiraPage(sim)).records).toHaveLength(1000);
    await control(sim, 'settings', { jiraOverLimit: 'clamp' });
    const clamped = await jiraPage(sim, { limit: 5000 });
    expect([clamped.records.length, clamped.limit]).toEqual([1000, 5000]);
  });

  it('cuts a Confluence limit above the ceiling and says so in the body', async () => {
    const sim = await start({ confluence: 30, confluenceMaxLimit: 12 });
    const page = await confluencePage(sim, '/wiki/rest/api/audit?limit=500');
    expect([page.limit, page.size]).toEqual([12, 12]);
    expect(page._links.next).toBe('/rest/api/audit?start=12&limit=12');
  });
});

describe('bounds', () => {
  async function withEdges(clock: { ms: number }) {
    const sim = await start({ clock });
    const [from, to] = [T0 - 30_000, T0 - 10_000];
    for (const product of ['jira', 'confluence']) {
      for (const atMs of [from - 1, from, T0 - 20_000, to, to + 1]) await control(sim, `${product}/records`, { count: 1, atMs });
    }
    return { sim, from, to };
  }

  it('are inclusive by default: records exactly at from and to are returned, whatever the zone notation', async () => {
    const clock = { ms: T0 };
    const { sim, from, to } = await withEdges(clock);
    for (const [f, t] of [
      [jiraTimestamp(from), jiraTimestamp(to)],
      [new Date(from).toISOString(), new Date(to).toISOString()],
      [new Date(from).toISOString().replace('Z', '+00:00'), new Date(to).toISOString().replace('Z', '+00:00')],
      [new Date(from + 3_600_000).toISOString().replace('Z', '+01:00'), new Date(to + 3_600_000).toISOString().replace('Z', '+01:00')],
    ]) {
      expect((await jiraPage(sim, { from: f!, to: t! })).records.map(createdMs)).toEqual([to, T0 - 20_000, from]);
    }
    const page = await confluencePage(sim, `/wiki/rest/api/audit?startDate=${from}&endDate=${to}`);
    expect(page.results.map((r) => r.creationDate)).toEqual([to, T0 - 20_000, from]);
  });

  it('leave the edges out when set exclusive', async () => {
    const clock = { ms: T0 };
    const { sim, from, to } = await withEdges(clock);
    await control(sim, 'settings', { inclusiveBounds: false });
    expect((await jiraPage(sim, { from: jiraTimestamp(from), to: jiraTimestamp(to) })).records.map(createdMs)).toEqual([T0 - 20_000]);
    const page = await confluencePage(sim, `/wiki/rest/api/audit?startDate=${from}&endDate=${to}`);
    expect(page.results.map((r) => r.creationDate)).toEqual([T0 - 20_000]);
  });

  it('return nothing when from is after to, and refuse dates Jira is not known to read', async () => {
    const sim = await start({ jira: 5 });
    expect((await jiraPage(sim, { from: jiraTimestamp(T0), to: jiraTimestamp(T0 - 1) })).records).toEqual([]);
    for (const bad of [String(T0), '2025-05-19T10:00:00.000 0000', 'yesterday']) {
      const { status, body } = await jira(sim, { from: bad });
      expect(status).toBe(400);
      expect(body.errorMessages[0]).toContain('is not a valid date-time');
    }
    // An unencoded `+` arrives as a space: the same refusal.
    expect((await request(sim, `/rest/api/3/auditing/record?from=2025-05-19T10:00:00.000+0000`)).status).toBe(400);
  });
});

describe('offsets shift when records arrive between pages (newest first)', () => {
  it('a naive reader of an open window repeats records; the same walk with a fixed `to` reads each once', async () => {
    const clock = { ms: T0 };
    const sim = await start({ jira: 25, clock });
    const arrive = async () => {
      clock.ms += 1_000;
      await control(sim, 'jira/records', { count: 3 });
    };
    const naive = await offsetReader({ sim, window: {}, limit: 10, between: arrive });
    expect(new Set(naive).size).toBeLessThan(naive.length);
    const repeated = naive.filter((id, n) => naive.indexOf(id) !== n);
    expect(repeated.length).toBeGreaterThan(0);

    const to = jiraTimestamp(clock.ms);
    const inWindow = (await dump(sim, 'jira')).map((d) => Number(d.key));
    const fixed = await offsetReader({ sim, window: { to }, limit: 10, between: arrive });
    expect(fixed).toEqual(inWindow);
  });

  it('the arrivalsBetweenPages quirk does the same to a Confluence reader following start += limit', async () => {
    const sim = await start({ confluence: 25, arrivalsBetweenPages: 2 });
    const seen: string[] = [];
    for (let start = 0; ; start += 10) {
      const page = await confluencePage(sim, `/wiki/rest/api/audit?start=${start}&limit=10`);
      seen.push(...page.results.map((r) => JSON.stringify(r)));
      if (page.results.length < 10) break;
    }
    expect(new Set(seen).size).toBeLessThan(seen.length);
    expect((await dump(sim, 'confluence')).length).toBe(25 + 2 * 3);
  });

  it('a cursor of "newest created + 1 ms" (Elastic #13665) never sees a record that arrives late in that millisecond', async () => {
    const clock = { ms: T0 };
    const sim = await start({ jira: 20, clock });
    const first = await jiraPage(sim, { to: jiraTimestamp(clock.ms) });
    const newest = createdMs(first.records[0]!);
    const { body } = await control(sim, 'jira/records', { count: 1, atMs: newest });
    const late = Number((body.keys as string[])[0]);
    clock.ms += 60_000;
    const skipped = await jiraPage(sim, { from: jiraTimestamp(newest + 1), to: jiraTimestamp(clock.ms) });
    expect(ids(skipped)).not.toContain(late);
    // From the newest instant itself (inclusive), the late record comes back, along with the one already read.
    const inclusive = await jiraPage(sim, { from: jiraTimestamp(newest), to: jiraTimestamp(clock.ms) });
    expect(ids(inclusive)).toEqual(expect.arrayContaining([late, first.records[0]!.id]));
  });

  it('a reader that stops at offset + limit >= total (Elastic #7922) misses records when total is short', async () => {
    const sim = await start({ jira: 25, totalSkew: -5 });
    const seen = await offsetReader({ sim, window: {}, limit: 10, stopAtTotal: true });
    expect(seen).toHaveLength(20);
    const missed = (await dump(sim, 'jira')).map((d) => Number(d.key)).filter((id) => !seen.includes(id));
    expect(missed).toHaveLength(5);
  });
});

describe('total', () => {
  it('is the whole log by default, whatever the window or filter; matching on demand; skewed on demand', async () => {
    const clock = { ms: T0 };
    const sim = await start({ jira: 30, clock });
    const all = await dump(sim, 'jira');
    const narrow = { from: jiraTimestamp(all[9]!.createdMs), to: jiraTimestamp(all[0]!.createdMs) };
    const inWindow = all.filter((d) => d.createdMs >= all[9]!.createdMs).length;
    expect((await jiraPage(sim, narrow)).total).toBe(30);
    const nothing = await jiraPage(sim, { filter: 'nothingmatchesthisatall' });
    expect([nothing.records, nothing.total]).toEqual([[], 30]);
    await control(sim, 'settings', { totalMode: 'matching' });
    expect((await jiraPage(sim, narrow)).total).toBe(inWindow);
    await control(sim, 'settings', { totalMode: 'log', totalSkew: 7 });
    expect((await jiraPage(sim, narrow)).total).toBe(37);
  });
});

describe('auth', () => {
  it('answers 401 with the observed text to no, wrong and revoked credentials, and 403 without the admin permission', async () => {
    const sim = await start({ jira: 3, confluence: 3 });
    const none = await jira(sim, {}, null);
    expect([none.status, none.body]).toEqual([401, 'Client must be authenticated to access this resource.']);
    expect(none.headers.get('content-type')).toContain('text/plain');
    for (const authorization of [basic('wrong'), basic(TOKEN, 'someone@acme.example'), 'Bearer admin-token']) {
      const { status, body } = await jira(sim, {}, authorization);
      expect(status).toBe(401);
      expect(String(body)).toMatch(/^Basic authentication with passwords is deprecated|^Client must be authenticated/);
    }
    expect((await control(sim, `tokens/${TOKEN}/revoke`)).body).toEqual({ revoked: true });
    const revoked = await request(sim, '/wiki/rest/api/audit');
    expect(revoked.status).toBe(401);
    expect(revoked.body).toContain('Basic authentication with passwords is deprecated');
    await control(sim, `tokens/${TOKEN}/restore`);
    expect((await jira(sim)).status).toBe(200);

    const user = await jira(sim, {}, basic(USER_TOKEN));
    expect(user.status).toBe(403);
    expect(user.body).toEqual({ errorMessages: [expect.stringContaining('Administer Jira')], errors: {} });
    const confluenceUser = await request(sim, '/wiki/rest/api/audit', basic(USER_TOKEN));
    expect(confluenceUser.status).toBe(403);
    expect(confluenceUser.body).toMatchObject({ statusCode: 403 });
  });

  it('answers 403 with the plan message on a Free plan', async () => {
    const sim = await start({ jira: 1, confluence: 1, freePlan: true });
    expect((await jira(sim)).body.errorMessages[0]).toContain('Free plans');
    expect((await request(sim, '/wiki/rest/api/audit')).body.message).toContain('Free edition');
  });

  it('serves the gateway form of the base URL that scoped tokens use, and tenant_info names the cloudId', async () => {
    const sim = await start({ jira: 3, confluence: 3 });
    const { cloudId } = (await request(sim, '/_edge/tenant_info', null)).body;
    expect(cloudId).toBe(sim.sites.get(SITE)!.cloudId);
    expect((await request(sim, `/ex/jira/${cloudId}/rest/api/3/auditing/record`)).body.records).toHaveLength(3);
    const page = await confluencePage(sim, `/ex/confluence/${cloudId}/wiki/rest/api/audit`);
    expect(page._links.base).toBe(`${sim.url(SITE)}/ex/confluence/${cloudId}/wiki`);
    expect((await request(sim, `/ex/jira/${cloudId}/wiki/rest/api/audit`)).status).toBe(404);
    expect((await request(sim, `/ex/jira/not-the-site/rest/api/3/auditing/record`)).status).toBe(404);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After and X-RateLimit-* headers for the requests a fault names, then serves again', async () => {
    const sim = await start({ jira: 3, confluence: 3 });
    await control(sim, 'faults', { faults: [{ kind: 'rate-limit', count: 2, retryAfter: 7 }] });
    for (const path of ['/rest/api/3/auditing/record', '/wiki/rest/api/audit']) {
      const { status, headers } = await request(sim, path);
      expect(status).toBe(429);
      expect(headers.get('retry-after')).toBe('7');
      expect(headers.get('x-ratelimit-remaining')).toBe('0');
      expect(headers.get('x-ratelimit-reset')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/);
    }
    expect((await jira(sim)).status).toBe(200);
    expect(sim.sites.get(SITE)!.stats.byStatus).toMatchObject({ 429: 2, 200: 1 });
  });

  it('keeps a per-minute budget per site across both products, with its headers on every response', async () => {
    const clock = { ms: T0 + 45_000 };
    const sim = await start({ jira: 3, confluence: 3, clock, requestsPerMinute: 3 });
    const answers = [await jira(sim), await request(sim, '/wiki/rest/api/audit'), await jira(sim), await jira(sim)];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    const limited = answers[3]!.headers;
    expect(limited.get('retry-after')).toBe('15');
    expect(limited.get('x-ratelimit-reset')).toBe('2025-05-19T10:01Z');
    expect(limited.get('ratelimit-reason')).toBe('jira-burst-based');
    clock.ms += 15_000;
    expect((await jira(sim)).status).toBe(200);
  });
});

describe('control interface', () => {
  it('dumps every record newest first with its key: Jira ids, Confluence content hashes shared by identical records', async () => {
    const clock = { ms: T0 };
    const sim = await start({ jira: 5, confluence: 5, clock });
    clock.ms += 1_000;
    const appended = await control(sim, 'confluence/records', { count: 3, identical: true });
    expect(new Set(appended.body.keys as string[]).size).toBe(1);
    const lines = await dump(sim, 'confluence');
    expect(lines).toHaveLength(8);
    expect(lines.slice(0, 3).map((l) => l.key)).toEqual(appended.body.keys);
    for (const line of lines) expect(line.key).toBe(createHash('sha256').update(canonicalJson(line.record)).digest('hex'));
    expect(lines.map((l) => l.createdMs)).toEqual([...lines.map((l) => l.createdMs)].sort((a, b) => b - a));

    await control(sim, 'jira/records', { count: 4, sameMillisecond: true });
    const jiraLines = await dump(sim, 'jira');
    expect(jiraLines.slice(0, 4).every((l) => l.createdMs === clock.ms)).toBe(true);
    expect(jiraLines.map((l) => l.key)).toEqual(jiraLines.map((l) => String(l.record.id)));
  });

  it('refuses bad settings and appends, and applies none of a bad body', async () => {
    const sim = await start({ jira: 1 });
    for (const bad of [
      { inclusiveBounds: 'yes' },
      { totalMode: 'window' },
      { totalSkew: 1.5 },
      { requestsPerMinute: -1 },
      { jiraOverLimit: 'drop' },
    ]) {
      expect((await control(sim, 'settings', bad)).status).toBe(400);
    }
    expect(sim.sites.get(SITE)!.settings()).toMatchObject({ inclusiveBounds: true, totalMode: 'log', totalSkew: 0 });
    expect((await control(sim, 'jira/records', { count: -1 })).status).toBe(400);
    expect((await control(sim, 'jira/records', { count: 1, atMs: 'now' })).status).toBe(400);
    await expect(startSiteSimulator({ sites: [], totalMode: 'sometimes' as 'log' })).rejects.toThrow('totalMode must be log or matching');
  });
});
