// covers: src/sites/window.ts, src/sites/source.ts, src/sites/client.ts, src/sites/records.ts
// The window reader and the site source over the site simulator's quirks: records appearing while a
// window is paged, many records in one millisecond, identical Confluence records, a wrong `total`,
// inclusive (and exclusive) bounds, and windows that meet at a millisecond.
import { createPacer } from '../../src/atlassian/pacer';
import { createSiteAuditClient, type SiteAuditApi } from '../../src/sites/client';
import { contentHash, type IdentifiedRecord, type SiteProduct } from '../../src/sites/records';
import { createSiteSource } from '../../src/sites/source';
import { readWindow } from '../../src/sites/window';
import { startPosition } from '../../src/model/position';
import type { ConnectionSpec, StreamPosition } from '../../src/model/types';
import type { PagesRead } from '../../src/pipeline/read-pages';
import { createZstd } from '../../src/pipeline/zstd';
import { startSiteSimulator, type SiteSimulator, type SiteSimulatorOptions } from '../../dev/simulator/site-server';
import type { SiteSettings } from '../../dev/simulator/site-quirks';

const SITE = 'acme';
const EMAIL = 'admin@acme.example';
const TOKEN = 'admin-token';
const T0 = Date.parse('2026-03-02T10:00:00Z');
const compressor = createZstd();

const running: SiteSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

/** A simulator whose clock stands still at `clock.ms` until a test moves it. */
async function start(params: { product: SiteProduct; records?: number; clock: { ms: number } } & Partial<SiteSimulatorOptions>) {
  const { product, records = 0, clock, ...options } = params;
  const sim = await startSiteSimulator({
    sites: [{ site: SITE, product, email: EMAIL, apiTokens: [TOKEN], records }],
    seedSpanMs: 3_600_000,
    now: () => clock.ms,
    ...options,
  });
  running.push(sim);
  return sim;
}

const connectionOf = (sim: SiteSimulator, product: SiteProduct): ConnectionSpec => ({
  name: 'acme',
  source: product === 'jira' ? 'jira-site' : 'confluence-site',
  orgId: `${SITE}.atlassian.net`,
  apiKeyRef: 'env:ATLASSIAN_TOKEN',
  baseUrl: sim.url(SITE),
  email: EMAIL,
});

const api = () => createSiteAuditClient({ timeoutMs: 10_000, pacer: createPacer({ perMinute: 0, burst: 1 }) });

async function control(sim: SiteSimulator, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sim.url(SITE)}/_sim/${path}`, { method: 'POST', body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

const settings = (sim: SiteSimulator, body: Partial<SiteSettings>) => control(sim, 'settings', body);
const append = (sim: SiteSimulator, product: SiteProduct, body: { count: number; atMs?: number; identical?: boolean }) =>
  control(sim, `${product}/records`, body);

interface DumpLine {
  key: string;
  createdMs: number;
}

async function dump(sim: SiteSimulator, product: SiteProduct): Promise<DumpLine[]> {
  const text = await (await fetch(`${sim.url(SITE)}/_sim/${product}/dump`)).text();
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as DumpLine);
}

/** The simulator's own key for a stored record: Jira's id, Confluence's content hash. */
const keyOf = (product: SiteProduct, line: string) => {
  const record = JSON.parse(line) as Record<string, unknown>;
  return product === 'jira' ? String(record.id) : contentHash(record);
};

const sorted = (keys: string[]) => [...keys].sort();

/** The dump's keys created within [fromMs, toMs]. */
async function expected(sim: SiteSimulator, product: SiteProduct, fromMs: number, toMs: number): Promise<string[]> {
  return (await dump(sim, product)).filter((d) => d.createdMs >= fromMs && d.createdMs <= toMs).map((d) => d.key);
}

const keysOf = (product: SiteProduct, records: IdentifiedRecord[]) => records.map((r) => keyOf(product, r.line));

function walk(params: { api: SiteAuditApi; connection: ConnectionSpec; fromMs: number; toMs: number; limit: number }) {
  return readWindow({ ...params, token: TOKEN });
}

async function linesOf(read: PagesRead): Promise<string[]> {
  const body = await read.body.finish();
  if (body.length === 0) return [];
  const text = (await compressor.decompress(body)).toString('utf8');
  return text.split('\n').filter(Boolean);
}

/** Reads with the site source from `start` until caught up (one object at a time), as a batch would. */
async function readAll(params: {
  sim: SiteSimulator;
  product: SiteProduct;
  start: StreamPosition;
  horizonMs: number;
  pageLimit: number;
  maxEvents?: number;
  source?: ReturnType<typeof createSiteSource>;
}): Promise<{ lines: string[]; position: StreamPosition; reads: number }> {
  const source = params.source ?? createSiteSource({ api: api(), product: params.product });
  const lines: string[] = [];
  let position = params.start;
  for (let reads = 1; ; reads++) {
    const read = await source.read({
      compressor,
      connection: connectionOf(params.sim, params.product),
      apiKey: TOKEN,
      start: position,
      horizonMs: params.horizonMs,
      pageLimit: params.pageLimit,
      maxPages: 1,
      maxEvents: params.maxEvents,
    });
    lines.push(...(await linesOf(read)));
    position = read.position;
    if (read.caughtUp) return { lines, position, reads };
  }
}

describe.each(['jira', 'confluence'] as const)('%s: one closed window', (product) => {
  it('reads every record of the window once, oldest first, over pages of a few', async () => {
    const clock = { ms: T0 };
    const sim = await start({ product, records: 137, clock });
    const fromMs = T0 - 3_600_000;
    const got = await walk({ api: api(), connection: connectionOf(sim, product), fromMs, toMs: T0, limit: 10 });
    expect(sorted(keysOf(product, got.records))).toEqual(sorted(await expected(sim, product, fromMs, T0)));
    expect(got.records).toHaveLength(137);
    expect(got.records.map((r) => r.atMs)).toEqual([...got.records.map((r) => r.atMs)].sort((a, b) => a - b));
    expect(new Set(got.records.map((r) => r.id)).size).toBe(137);
    // Walking by time re-reads the last millisecond of each full page, a little over 14 pages.
    expect(got.pages).toBeLessThan(20);
  });

  it('keeps records exactly at both bounds, also from an API that takes its bounds as exclusive', async () => {
    const clock = { ms: T0 };
    const sim = await start({ product, clock });
    const [fromMs, toMs] = [T0 - 10_000, T0 - 5_000];
    for (const atMs of [fromMs - 1, fromMs, fromMs + 1, toMs - 1, toMs, toMs + 1]) await append(sim, product, { count: 2, atMs });
    const inside = await expected(sim, product, fromMs, toMs);
    expect(inside).toHaveLength(8);
    for (const inclusiveBounds of [true, false]) {
      await settings(sim, { inclusiveBounds });
      const got = await walk({ api: api(), connection: connectionOf(sim, product), fromMs, toMs, limit: 3 });
      expect(sorted(keysOf(product, got.records))).toEqual(sorted(inside));
    }
  });

  it('reads a millisecond that holds more than a page whole, however records shift while it is paged', async () => {
    const clock = { ms: T0 };
    const sim = await start({ product, records: 20, clock });
    const busy = T0 - 2_000;
    await append(sim, product, { count: 25, atMs: busy });
    const before = await expected(sim, product, T0 - 3_600_000, T0);
    // Between the pages of that millisecond, three more records are created in it once.
    const real = api();
    let pages = 0;
    const shifting: SiteAuditApi = {
      async fetchPage(p) {
        const page = await real.fetchPage(p);
        if (p.toMs === busy + 1 && ++pages === 2) await append(sim, product, { count: 3, atMs: busy });
        return page;
      },
    };
    const got = await walk({ api: shifting, connection: connectionOf(sim, product), fromMs: T0 - 3_600_000, toMs: T0, limit: 10 });
    const keys = keysOf(product, got.records);
    // Every record there before the walk, each once. The three created behind the walk in a
    // millisecond already read are late (the settle window is there to make that not happen).
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(before));
    expect(await expected(sim, product, T0 - 3_600_000, T0)).toEqual(expect.arrayContaining(keys));
    if (product === 'jira') expect(got.repeated).toBe(3);
  });

  it('stops on a short page whatever Jira says its total is', async () => {
    const clock = { ms: T0 };
    const sim = await start({ product, records: 45, clock });
    for (const s of [
      { totalMode: 'log', totalSkew: -40 },
      { totalMode: 'matching', totalSkew: 500 },
    ] as const) {
      await settings(sim, s);
      const got = await walk({ api: api(), connection: connectionOf(sim, product), fromMs: T0 - 1_800_000, toMs: T0, limit: 10 });
      expect(sorted(keysOf(product, got.records))).toEqual(sorted(await expected(sim, product, T0 - 1_800_000, T0)));
    }
  });
});

describe.each(['jira', 'confluence'] as const)('%s: windows one after another (the site source)', (product) => {
  it('records created while a window is paged are written once, by that window or the next', async () => {
    const clock = { ms: T0 };
    const sim = await start({ product, records: 60, clock });
    // Three records are created after every page served, in the three milliseconds up to now: a
    // window ending a settle interval (here 5 ms) ago is not shifted by them.
    await settings(sim, { arrivalsBetweenPages: 3 });
    const source = createSiteSource({ api: api(), product });
    const first = await readAll({ sim, product, start: startPosition(T0 - 3_600_000), horizonMs: T0 - 5, pageLimit: 10, source });
    expect(first.position.atMs).toBe(T0 - 5);
    expect(first.lines).toHaveLength(60);
    await settings(sim, { arrivalsBetweenPages: 0 });
    clock.ms = T0 + 5_000;
    const second = await readAll({ sim, product, start: first.position, horizonMs: clock.ms, pageLimit: 10, source });
    const all = [...first.lines, ...second.lines].map((line) => keyOf(product, line));
    expect(sorted(all)).toEqual(sorted((await dump(sim, product)).map((d) => d.key)));
    expect(second.lines.length).toBeGreaterThan(0);
  });

  it('a window ending in a millisecond that gains records later: the next one writes only the new ones', async () => {
    const clock = { ms: T0 };
    const sim = await start({ product, clock });
    await append(sim, product, { count: 2, atMs: T0, identical: product === 'confluence' });
    const first = await readAll({ sim, product, start: startPosition(T0 - 60_000), horizonMs: T0, pageLimit: 10 });
    expect(first.lines).toHaveLength(2);
    expect(first.position).toMatchObject({ atMs: T0 });
    expect(first.position.idsAtMs).toHaveLength(2);
    // Two more identical ones (Confluence: same content, so known only by occurrence) in that millisecond.
    await append(sim, product, { count: 2, atMs: T0, identical: product === 'confluence' });
    clock.ms = T0 + 1_000;
    const second = await readAll({ sim, product, start: first.position, horizonMs: clock.ms, pageLimit: 10 });
    expect(second.lines).toHaveLength(2);
    expect(second.position).toEqual({ atMs: T0 + 1_000, idsAtMs: [], cursor: null });
    // Confluence: A, A then B, B, all in one millisecond; the second window writes only B, B.
    if (product === 'confluence') expect([new Set(first.lines).size, new Set(second.lines).size]).toEqual([1, 1]);
  });

  it('a window larger than an object is read once and written an object at a time; a position moves by content', async () => {
    const clock = { ms: T0 };
    const sim = await start({ product, records: 95, clock });
    const before = (await (await fetch(`${sim.url(SITE)}/_sim/stats`)).json()) as { requests: Record<string, number> };
    const all = await readAll({ sim, product, start: startPosition(T0 - 3_600_000), horizonMs: T0, pageLimit: 10, maxEvents: 20 });
    expect(all.reads).toBe(5);
    expect(sorted(all.lines.map((l) => keyOf(product, l)))).toEqual(sorted((await dump(sim, product)).map((d) => d.key)));
    const after = (await (await fetch(`${sim.url(SITE)}/_sim/stats`)).json()) as { requests: Record<string, number> };
    expect((after.requests[product] ?? 0) - (before.requests[product] ?? 0)).toBeLessThan(15);
    expect(all.position).toEqual({ atMs: T0, idsAtMs: [], cursor: null });
  });

  it('two readers of one position with different horizons start with the same record (the same object key)', async () => {
    const clock = { ms: T0 };
    const sim = await start({ product, records: 40, clock });
    await append(sim, product, { count: 4, atMs: T0 - 30 * 60_000 });
    const firstOf = async (horizonMs: number) => {
      const read = await createSiteSource({ api: api(), product }).read({
        compressor,
        connection: connectionOf(sim, product),
        apiKey: TOKEN,
        start: startPosition(T0 - 30 * 60_000),
        horizonMs,
        pageLimit: 7,
        maxPages: 1,
      });
      return read.first;
    };
    const [a, b] = [await firstOf(T0 - 20 * 60_000), await firstOf(T0)];
    expect(a).toEqual(b);
    expect(a!.processedAtMs).toBe(T0 - 30 * 60_000);
  });
});

it('Confluence: a page cut to its fixed limit is not mistaken for the last one', async () => {
  const clock = { ms: T0 };
  const sim = await start({ product: 'confluence', records: 30, clock, confluenceMaxLimit: 7 });
  const got = await walk({ api: api(), connection: connectionOf(sim, 'confluence'), fromMs: T0 - 3_600_000, toMs: T0, limit: 10 });
  expect(got.records).toHaveLength(30);
});

it('identifies stored lines as the reader did: Confluence occurrences continue from the position', async () => {
  const clock = { ms: T0 };
  const sim = await start({ product: 'confluence', clock });
  await append(sim, 'confluence', { count: 3, atMs: T0 - 1_000, identical: true });
  const source = createSiteSource({ api: api(), product: 'confluence' });
  const read = await source.read({
    compressor,
    connection: connectionOf(sim, 'confluence'),
    apiKey: TOKEN,
    start: startPosition(T0 - 2_000),
    horizonMs: T0,
    pageLimit: 10,
    maxPages: 1,
    maxEvents: 2,
  });
  const lines = await linesOf(read);
  const hash = contentHash(JSON.parse(lines[0]!) as Record<string, unknown>);
  expect(read.position.idsAtMs).toEqual([`${hash}:0`, `${hash}:1`]);
  const rest = await source.read({
    compressor,
    connection: connectionOf(sim, 'confluence'),
    apiKey: TOKEN,
    start: read.position,
    horizonMs: T0,
    pageLimit: 10,
    maxPages: 1,
  });
  const restLines = await linesOf(rest);
  expect(source.identify({ lines: restLines, start: read.position })).toEqual([
    { id: `${hash}:2`, processedAtMs: T0 - 1_000, processedAt: new Date(T0 - 1_000).toISOString() },
  ]);
  expect(rest.first).toEqual({ id: `${hash}:2`, processedAtMs: T0 - 1_000 });
});

it('Confluence: a record identical to ones already written in its millisecond is written once more, not skipped', async () => {
  // An in-memory log: the same record once at T0, later twice more.
  const record = {
    author: { type: 'user', displayName: 'System' },
    creationDate: T0,
    summary: 'Group created',
    category: 'Users and groups',
  };
  let copies = 1;
  const fake: SiteAuditApi = {
    async fetchPage({ fromMs, toMs, offset, limit }) {
      const all = T0 >= fromMs && T0 <= toMs ? Array.from({ length: copies }, () => record) : [];
      const page = all.slice(offset, offset + limit);
      return { records: page, lines: page.map((r) => JSON.stringify(r)), limit };
    },
  };
  const connection = { ...connectionOf({ url: () => 'http://127.0.0.1:1' } as unknown as SiteSimulator, 'confluence') };
  const source = createSiteSource({ api: fake, product: 'confluence' });
  const read = (start: StreamPosition, horizonMs: number) =>
    source.read({ compressor, connection, apiKey: TOKEN, start, horizonMs, pageLimit: 10, maxPages: 1 });
  const first = await read(startPosition(T0 - 1_000), T0);
  expect(await linesOf(first)).toHaveLength(1);
  copies = 3;
  const second = await read(first.position, T0 + 1_000);
  expect(await linesOf(second)).toHaveLength(2);
  const third = await read(second.position, T0 + 2_000);
  expect(await linesOf(third)).toHaveLength(0);
});
