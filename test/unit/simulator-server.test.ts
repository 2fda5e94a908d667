import { startSimulator, type Simulator, type SimulatorOptions } from '../../dev/simulator/server';
import { decodeCursor, visibleAtMs } from '../../dev/simulator/store';

const ORG = '4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4';
const KEY = 'test-key';
const T0 = Date.parse('2025-05-19T10:00:00Z');

interface Page {
  data: { id: string }[];
  links: { self?: string; next?: string };
  meta: { next: string | null; page_size: number };
}

const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

async function start(params: { events: number; clock?: { ms: number } } & Partial<SimulatorOptions>): Promise<Simulator> {
  const { events, clock, ...options } = params;
  const sim = await startSimulator({
    port: 0,
    host: '127.0.0.1',
    orgs: [{ orgId: ORG, apiKeys: [KEY], events }],
    rateLimitPerMinute: 0,
    ...(clock ? { now: () => clock.ms } : {}),
    ...options,
  });
  running.push(sim);
  return sim;
}

// The API's JSON, read back as data: the assertions check its shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function get(params: { sim: Simulator; path?: string; query: Record<string, string> }): Promise<{ status: number; body: any }> {
  const url = `${params.sim.url}/admin/v1/orgs/${ORG}/${params.path ?? 'events-stream'}?${new URLSearchParams(params.query)}`;
  const res = await fetch(url, { headers: { Authorization: `Bearer ${KEY}` } });
  return { status: res.status, body: await res.json() };
}

async function page(params: { sim: Simulator; query: Record<string, string> }): Promise<Page> {
  const { status, body } = await get(params);
  expect(status).toBe(200);
  return body as Page;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function settings(sim: Simulator, body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sim.url}/_sim/settings`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const ids = (p: Page) => p.data.map((e) => e.id);
const cursorOf = (p: Page) => p.meta.next!;

function expectTailCursor(p: Page) {
  expect(typeof p.meta.next).toBe('string');
  expect(p.links.next).toContain(`cursor=${p.meta.next}`);
}

function expectNullTail(p: Page) {
  expect(p.meta.next).toBeNull();
  expect(p.links).toEqual({});
}

async function expectInvalidCursor(params: { sim: Simulator; cursor: string }) {
  const { status, body } = await get({ sim: params.sim, query: { cursor: params.cursor, limit: '10' } });
  expect(status).toBe(400);
  expect(body.errors[0]).toMatchObject({
    status: '400',
    code: 'ADMIN-400-1',
    title: 'Invalid page cursor',
    detail: 'The cursor provided is invalid or has expired.',
  });
}

describe('cursor nonce', () => {
  it('by default gives a different cursor for the same position each time, each continuing to the same events', async () => {
    const sim = await start({ events: 30 });
    const [a, b] = [await page({ sim, query: { limit: '10' } }), await page({ sim, query: { limit: '10' } })];
    expect(ids(a)).toEqual(ids(b));
    expect(cursorOf(a)).not.toBe(cursorOf(b));
    expect(decodeCursor(cursorOf(a), ORG)).toEqual(decodeCursor(cursorOf(b), ORG));

    const [fromA, fromB] = [
      await page({ sim, query: { cursor: cursorOf(a), limit: '10' } }),
      await page({ sim, query: { cursor: cursorOf(b), limit: '10' } }),
    ];
    expect(ids(fromA)).toHaveLength(10);
    expect(ids(fromA)).toEqual(ids(fromB));
    expect(ids(fromA)).not.toEqual(ids(a));

    // Paging the same cursor twice: two different strings for the next position, both leading on alike.
    const again = await page({ sim, query: { cursor: cursorOf(a), limit: '10' } });
    expect(ids(again)).toEqual(ids(fromA));
    expect(cursorOf(again)).not.toBe(cursorOf(fromA));
    const [next1, next2] = [
      await page({ sim, query: { cursor: cursorOf(fromA), limit: '10' } }),
      await page({ sim, query: { cursor: cursorOf(again), limit: '10' } }),
    ];
    expect(ids(next1)).toHaveLength(10);
    expect(ids(next1)).toEqual(ids(next2));
  });

  it('also varies the /events cursors', async () => {
    const sim = await start({ events: 30 });
    const [a, b] = [await get({ sim, path: 'events', query: { limit: '5' } }), await get({ sim, path: 'events', query: { limit: '5' } })];
    expect(a.body.meta.next).not.toBe(b.body.meta.next);
    const [nextA, nextB] = [
      await get({ sim, path: 'events', query: { cursor: a.body.meta.next, limit: '5' } }),
      await get({ sim, path: 'events', query: { cursor: b.body.meta.next, limit: '5' } }),
    ];
    expect(nextA.body.data.map((e: { id: string }) => e.id)).toEqual(nextB.body.data.map((e: { id: string }) => e.id));
  });

  it('when off gives the same cursor for the same position', async () => {
    const sim = await start({ events: 30, cursorNonce: false });
    const [a, b] = [await page({ sim, query: { limit: '10' } }), await page({ sim, query: { limit: '10' } })];
    expect(cursorOf(a)).toBe(cursorOf(b));
    const [fromA, fromB] = [
      await page({ sim, query: { cursor: cursorOf(a), limit: '10' } }),
      await page({ sim, query: { cursor: cursorOf(a), limit: '10' } }),
    ];
    expect(ids(fromA)).toEqual(ids(fromB));
    expect(cursorOf(fromA)).toBe(cursorOf(fromB));
  });

  it('keeps refusing foreign and malformed cursors', async () => {
    const sim = await start({ events: 5 });
    const foreign = Buffer.from(
      JSON.stringify({ ...decodeCursor(cursorOf(await page({ sim, query: {} })), ORG), org: 'another-org', n: 'x' }),
    ).toString('base64url');
    await expectInvalidCursor({ sim, cursor: foreign });
    await expectInvalidCursor({ sim, cursor: 'not a cursor' });
  });
});

describe('null tail', () => {
  it('ends an open-ended stream with meta.next null and no links, on an empty and on a short page; full pages carry a cursor', async () => {
    const sim = await start({ events: 20, nullTail: true });
    const first = await page({ sim, query: { limit: '10' } });
    const second = await page({ sim, query: { cursor: cursorOf(first), limit: '10' } });
    for (const full of [first, second]) {
      expect(ids(full)).toHaveLength(10);
      expectTailCursor(full);
    }
    const empty = await page({ sim, query: { cursor: cursorOf(second), limit: '10' } });
    expect(empty.data).toEqual([]);
    expectNullTail(empty);

    await fetch(`${sim.url}/_sim/orgs/${ORG}/events`, { method: 'POST', body: JSON.stringify({ count: 4 }) });
    const short = await page({ sim, query: { cursor: cursorOf(second), limit: '10' } });
    expect(ids(short)).toHaveLength(4);
    expectNullTail(short);
  });

  it('is off by default: the end of an open-ended stream carries a tail cursor', async () => {
    const sim = await start({ events: 15 });
    const first = await page({ sim, query: { limit: '10' } });
    const short = await page({ sim, query: { cursor: cursorOf(first), limit: '10' } });
    expect(ids(short)).toHaveLength(5);
    expectTailCursor(short);
    const empty = await page({ sim, query: { cursor: cursorOf(short), limit: '10' } });
    expect(empty.data).toEqual([]);
    expectTailCursor(empty);
  });
});

describe('cursor expiry', () => {
  it('refuses a cursor older than the TTL with 400 ADMIN-400-1 and accepts it before', async () => {
    const clock = { ms: T0 };
    const sim = await start({ events: 30, clock, cursorTtlMs: 60_000 });
    const first = await page({ sim, query: { limit: '10' } });
    clock.ms += 60_000;
    const second = await page({ sim, query: { cursor: cursorOf(first), limit: '10' } });
    expect(ids(second)).toHaveLength(10);
    clock.ms += 1;
    await expectInvalidCursor({ sim, cursor: cursorOf(first) });
    // The cursor handed out a minute later is still young.
    expect(ids(await page({ sim, query: { cursor: cursorOf(second), limit: '10' } }))).toHaveLength(10);
  });

  it('never expires cursors by default', async () => {
    const clock = { ms: T0 };
    const sim = await start({ events: 30, clock });
    const first = await page({ sim, query: { limit: '10' } });
    clock.ms += 400 * 86_400_000;
    await fetch(`${sim.url}/_sim/orgs/${ORG}/events`, { method: 'POST', body: JSON.stringify({ count: 3 }) });
    expect(ids(await page({ sim, query: { cursor: cursorOf(first), limit: '10' } }))).toHaveLength(3);
  });
});

describe('POST /_sim/settings', () => {
  it('reports the cursor settings and changes them at run time', async () => {
    const clock = { ms: T0 };
    const sim = await start({ events: 10, clock });
    expect((await settings(sim, {})).body).toMatchObject({ cursorNonce: true, nullTail: false, cursorTtlMs: 0 });
    const before = await page({ sim, query: { limit: '10' } });

    const changed = await settings(sim, { cursorNonce: false, nullTail: true, cursorTtlMs: 1_000 });
    expect(changed).toEqual({
      status: 200,
      body: {
        rateLimitPerMinute: 0,
        windowOn: 'processedAt',
        cursorNonce: false,
        nullTail: true,
        cursorTtlMs: 1_000,
        visibilityDelayMs: 0,
        outOfOrderInPage: false,
        cursorDropsTo: false,
        shortPagesMidWindow: false,
      },
    });
    const [a, b] = [await page({ sim, query: { limit: '10' } }), await page({ sim, query: { limit: '10' } })];
    expect(cursorOf(a)).toBe(cursorOf(b));
    expectNullTail(await page({ sim, query: { cursor: cursorOf(a), limit: '10' } }));
    clock.ms += 1_001;
    await expectInvalidCursor({ sim, cursor: cursorOf(a) });
    // Issued while cursors did not expire: it carries no issue time and stays usable.
    expectNullTail(await page({ sim, query: { cursor: cursorOf(before), limit: '10' } }));

    await settings(sim, { cursorNonce: true, nullTail: false, cursorTtlMs: 0 });
    expect(cursorOf(await page({ sim, query: { cursor: cursorOf(a), limit: '10' } }))).not.toBe(
      cursorOf(await page({ sim, query: { cursor: cursorOf(a), limit: '10' } })),
    );
  });

  it('refuses bad values and applies none of the body then', async () => {
    const sim = await start({ events: 1 });
    for (const bad of [
      { nullTail: 'yes' },
      { cursorNonce: 1 },
      { cursorTtlMs: -1 },
      { cursorTtlMs: 1.5 },
      { cursorTtlMs: '60000' },
      { nullTail: true, cursorTtlMs: 'x' },
    ]) {
      const answer = await settings(sim, bad);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/nullTail|cursorNonce|cursorTtlMs/);
    }
    expect((await settings(sim, {})).body).toMatchObject({ cursorNonce: true, nullTail: false, cursorTtlMs: 0 });
  });
});

test.each([
  ['events-stream', '0'],
  ['events-stream', '501'],
  ['events', 'ten'],
])('%s answers 400 ADMIN-400-19 to limit=%s', async (path, limit) => {
  const sim = await start({ events: 10 });
  const { status, body } = await get({ sim, path, query: { limit } });
  expect(status).toBe(400);
  expect(body.errors[0]).toMatchObject({ code: 'ADMIN-400-19', detail: 'limit must be an integer from 1 to 500.' });
});

interface Appended {
  appended?: number;
  ids?: string[];
  error?: string;
}

async function append(sim: Simulator, body: Record<string, unknown>): Promise<{ status: number; body: Appended }> {
  const res = await fetch(`${sim.url}/_sim/orgs/${ORG}/events`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Appended };
}

/** Follows meta.next from a first query until the stream ends or `maxPages`; every page, in order. */
async function follow(params: { sim: Simulator; query: Record<string, string>; maxPages?: number }): Promise<Page[]> {
  const pages = [await page(params)];
  while (pages.length < (params.maxPages ?? 100)) {
    const last = pages.at(-1)!;
    if (last.meta.next === null || (last.data.length === 0 && params.query.to === undefined)) break;
    pages.push(await page({ sim: params.sim, query: { cursor: last.meta.next, limit: params.query.limit ?? '200' } }));
  }
  return pages;
}

const logOf = (sim: Simulator) => sim.logs.get(ORG)!;

describe('visibilityDelayMs', () => {
  it('serves an event only from processedAt + d; a reader whose cursor passed T + 1 meanwhile never sees the one at T', async () => {
    const clock = { ms: T0 };
    const sim = await start({ events: 20, clock, visibilityDelayMs: 1_000, cursorNonce: false });
    const tail = (await follow({ sim, query: { limit: '50' } })).at(-1)!;
    expect(ids(tail)).toEqual([]);

    const T = T0 + 5_000;
    clock.ms = T;
    const [lateId] = (await append(sim, { count: 1, sameMillisecond: true })).body.ids!;
    clock.ms = T + 1;
    const [earlyId] = (await append(sim, { count: 1, sameMillisecond: true })).body.ids!;
    const late = logOf(sim).events.find((e) => e.id === lateId)!;
    const early = logOf(sim).events.find((e) => e.id === earlyId)!;
    Object.assign(late, { visibilityDraw: 0.5 });
    Object.assign(early, { visibilityDraw: 0 });
    expect([visibleAtMs(late, 1_000), visibleAtMs(early, 1_000)]).toEqual([T + 500, T + 1]);

    const polled = await page({ sim, query: { cursor: cursorOf(tail), limit: '50' } });
    expect(ids(polled)).toEqual([earlyId]);
    clock.ms = T + 499;
    expect(ids(await page({ sim, query: { cursor: cursorOf(tail), limit: '50' } }))).toEqual([earlyId]);
    clock.ms = T + 500;
    expect(ids(await page({ sim, query: { cursor: cursorOf(tail), limit: '50' } }))).toEqual([lateId, earlyId]);
    // Behind the poller's cursor now: it will never be served to it.
    expect(ids(await page({ sim, query: { cursor: cursorOf(polled), limit: '50' } }))).toEqual([]);
  });

  it('also hides events from /events, and the dump lists every event with when it becomes visible', async () => {
    const clock = { ms: T0 };
    const sim = await start({ events: 10, clock, visibilityDelayMs: 60_000 });
    await append(sim, { count: 20 });
    const visible = logOf(sim).events.filter((e) => visibleAtMs(e, 60_000) <= T0);
    expect(visible.length).toBeGreaterThanOrEqual(10);
    expect(visible.length).toBeLessThan(30);
    const { body } = await get({ sim, path: 'events', query: { limit: '100' } });
    expect(body.data.map((e: { id: string }) => e.id).sort()).toEqual(visible.map((e) => e.id).sort());

    const dump = (await (await fetch(`${sim.url}/_sim/orgs/${ORG}/dump`)).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(dump).toEqual(logOf(sim).events.map((e) => ({ id: e.id, processedAtMs: e.processedAtMs, visibleAtMs: visibleAtMs(e, 60_000) })));
    expect(dump).toHaveLength(30);
  });

  it('is set at run time, and refused at start when not whole milliseconds', async () => {
    const clock = { ms: T0 };
    const sim = await start({ events: 0, clock });
    await append(sim, { count: 50 });
    expect(ids(await page({ sim, query: { limit: '100' } }))).toHaveLength(50);
    expect((await settings(sim, { visibilityDelayMs: 10_000 })).body.visibilityDelayMs).toBe(10_000);
    expect(ids(await page({ sim, query: { limit: '100' } })).length).toBeLessThan(50);
    clock.ms += 10_100;
    expect(ids(await page({ sim, query: { limit: '100' } }))).toHaveLength(50);
    await expect(startSimulator({ orgs: [], visibilityDelayMs: -5 })).rejects.toThrow(
      'simulator: visibilityDelayMs must be a whole number of milliseconds >= 0',
    );
  });
});

describe('outOfOrderInPage', () => {
  it('puts some T+n+1 before T+n in a page, and the cursor still goes on after the page greatest event', async () => {
    const sim = await start({ events: 100, outOfOrderInPage: true });
    const inOrder = logOf(sim).events.map((e) => e.id);
    const pages = await follow({ sim, query: { limit: '20' } });
    const served = pages.flatMap(ids);
    expect([...served].sort()).toEqual([...inOrder].sort());
    expect(served).toHaveLength(100);
    expect(served).not.toEqual(inOrder);

    const first = pages[0]!.data.map((e) => logOf(sim).events.find((s) => s.id === e.id)!.processedAtMs);
    expect(first.some((t, n) => n > 0 && t < first[n - 1]!)).toBe(true);
    expect(new Set(ids(pages[0]!))).toEqual(new Set(inOrder.slice(0, 20)));
    expect(new Set(ids(pages[1]!))).toEqual(new Set(inOrder.slice(20, 40)));
  });
});

describe('cursorDropsTo', () => {
  it('hands out cursors without the request `to`, so following them runs past the window', async () => {
    const sim = await start({ events: 60, cursorDropsTo: true });
    const events = logOf(sim).events;
    const to = events[29]!.processedAtMs;
    const pages = await follow({ sim, query: { from: '0', to: String(to), limit: '10' }, maxPages: 10 });
    expect(decodeCursor(cursorOf(pages[0]!), ORG)).toMatchObject({ to: null });
    expect(pages.flatMap(ids)).toEqual(events.map((e) => e.id));

    await settings(sim, { cursorDropsTo: false });
    const inWindow = await follow({ sim, query: { from: '0', to: String(to), limit: '10' }, maxPages: 10 });
    expect(inWindow.flatMap(ids)).toEqual(events.slice(0, 30).map((e) => e.id));
    expect(inWindow.at(-1)!.meta.next).toBeNull();
  });
});

describe('shortPagesMidWindow', () => {
  it('serves every 3rd page half full with a cursor, and the window continues after it', async () => {
    const sim = await start({ events: 100, shortPagesMidWindow: true });
    const events = logOf(sim).events;
    const to = events[79]!.processedAtMs;
    const pages = await follow({ sim, query: { from: '0', to: String(to), limit: '10' } });
    expect(pages.map((p) => p.data.length).slice(0, 6)).toEqual([10, 10, 5, 10, 10, 5]);
    expectTailCursor(pages[2]!);
    expect(pages.flatMap(ids)).toEqual(events.slice(0, 80).map((e) => e.id));
    expect(pages.at(-1)!.meta.next).toBeNull();
  });
});

describe('POST /_sim/orgs/{orgId}/events', () => {
  it('with sameMillisecond appends every event in one fresh millisecond', async () => {
    const clock = { ms: T0 };
    const sim = await start({ events: 10, clock });
    const { status, body } = await append(sim, { count: 40, sameMillisecond: true });
    expect(status).toBe(200);
    expect(body.appended).toBe(40);
    const added = logOf(sim).events.filter((e) => body.ids!.includes(e.id));
    expect(new Set(added.map((e) => e.processedAtMs))).toEqual(new Set([T0]));
    expect(
      logOf(sim)
        .events.slice(0, 10)
        .every((e) => e.processedAtMs < T0),
    ).toBe(true);
  });

  it('refuses atLastMillisecond with sameMillisecond', async () => {
    const sim = await start({ events: 1 });
    expect(await append(sim, { count: 2, atLastMillisecond: true, sameMillisecond: true })).toEqual({
      status: 400,
      body: { error: 'atLastMillisecond and sameMillisecond exclude each other' },
    });
    expect(logOf(sim).events).toHaveLength(1);
  });
});

test('POST /_sim/settings changes the quirks at run time and refuses bad ones', async () => {
  const sim = await start({ events: 1 });
  const quirks = { visibilityDelayMs: 250, outOfOrderInPage: true, cursorDropsTo: true, shortPagesMidWindow: true };
  expect((await settings(sim, quirks)).body).toMatchObject(quirks);
  expect((await settings(sim, { shortPagesMidWindow: 'on' })).body.error).toBe('shortPagesMidWindow must be true or false');
  expect((await settings(sim, { visibilityDelayMs: 1.5 })).body.error).toBe(
    'visibilityDelayMs must be a whole number of milliseconds >= 0',
  );
  expect((await settings(sim, {})).body).toMatchObject(quirks);
});
