import { OrgLog, decodeCursor, encodeCursor, visibleAtMs, type StoredEvent, type StreamCursor } from '../../dev/simulator/store';

const ORG = '4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4';
const END = Date.parse('2025-05-19T10:00:00Z');
const HOUR = 3_600_000;

function seeded(params: { seed?: number; count?: number; lateFraction?: number } = {}): OrgLog {
  const log = new OrgLog({ orgId: ORG, seed: params.seed ?? 7 });
  log.seed({ count: params.count ?? 120, endMs: END, spanMs: 6 * HOUR, lateFraction: params.lateFraction ?? 0.1 });
  return log;
}

const start = (over: Partial<StreamCursor> = {}): StreamCursor => ({
  v: 1,
  org: ORG,
  sort: 'asc',
  from: null,
  to: null,
  p: 0,
  i: '',
  ...over,
});

/** Follows the stream as the server does: each next cursor is the last event served, round-tripped through its text form. */
function walk(log: OrgLog, first: StreamCursor, limit: number) {
  const pages: StoredEvent[][] = [];
  let cursor = first;
  for (let guard = 0; guard < 1000; guard++) {
    const { page, exhausted } = log.streamPage({ cursor, limit, windowOn: 'processedAt' });
    pages.push(page);
    const last = page.at(-1);
    if (last) cursor = decodeCursor(encodeCursor({ ...cursor, p: last.processedAtMs, i: last.id }), ORG)!;
    if (exhausted || page.length < limit) return { pages, cursor, exhausted };
  }
  throw new Error('the stream did not end');
}

const ids = (events: StoredEvent[]) => events.map((e) => e.id);

describe('OrgLog seeding', () => {
  it('gives the same events for the same seed', () => {
    expect(seeded().events.map((e) => e.json)).toEqual(seeded().events.map((e) => e.json));
    const [other, usual] = [seeded({ seed: 8 }).events, seeded().events];
    expect(other.length).toBeGreaterThan(0);
    expect(usual.length).toBeGreaterThan(0);
    expect(other[0]!.json).not.toBe(usual[0]!.json);
  });

  it('keeps events sorted by (processedAtMs, id)', () => {
    const { events } = seeded({ count: 300 });
    for (let n = 1; n < events.length; n++) {
      const [a, b] = [events[n - 1]!, events[n]!];
      expect(a.processedAtMs < b.processedAtMs || (a.processedAtMs === b.processedAtMs && a.id < b.id)).toBe(true);
    }
  });

  it('stores processedAt and time in the JSON as the timestamps say', () => {
    for (const e of seeded().events) {
      const parsed = JSON.parse(e.json);
      expect(parsed.id).toBe(e.id);
      expect(Date.parse(parsed.attributes.processedAt)).toBe(e.processedAtMs);
      const time: string = parsed.attributes.time;
      expect(Date.parse(time)).toBe(time.includes('.') ? e.timeMs : Math.floor(e.timeMs / 1000) * 1000);
    }
  });

  it('with lateFraction 1 processes events minutes after they happened; with 0 within seconds', () => {
    for (const e of seeded({ lateFraction: 1 }).events) expect(e.processedAtMs - e.timeMs).toBeGreaterThanOrEqual(60_000);
    for (const e of seeded({ lateFraction: 0 }).events) expect(e.processedAtMs - e.timeMs).toBeLessThan(3_000);
  });

  it('uses both time formats, with and without milliseconds', () => {
    const times = seeded().events.map((e) => JSON.parse(e.json).attributes.time as string);
    expect(times.some((t) => /T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(t))).toBe(true);
    expect(times.some((t) => /T\d{2}:\d{2}:\d{2}Z$/.test(t))).toBe(true);
  });
});

describe('cursors', () => {
  it('round-trip through encodeCursor/decodeCursor', () => {
    const cursor = start({ sort: 'desc', from: 5, to: 10, p: 7, i: 'abc' });
    expect(decodeCursor(encodeCursor(cursor), ORG)).toEqual(cursor);
  });

  it('rejects a foreign org, garbage and a wrong version', () => {
    expect(decodeCursor(encodeCursor(start()), 'another-org')).toBeUndefined();
    expect(decodeCursor('not a cursor!!', ORG)).toBeUndefined();
    expect(decodeCursor(Buffer.from('{"v":1').toString('base64url'), ORG)).toBeUndefined();
    expect(decodeCursor(encodeCursor({ ...start(), v: 2 } as unknown as StreamCursor), ORG)).toBeUndefined();
    expect(decodeCursor(encodeCursor({ ...start(), sort: 'up' } as unknown as StreamCursor), ORG)).toBeUndefined();
  });
});

describe('streamPage', () => {
  it('in asc order walks every event exactly once, page by page', () => {
    const log = seeded();
    const { pages } = walk(log, start(), 25);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.slice(0, -1).every((p) => p.length === 25)).toBe(true);
    expect(ids(pages.flat())).toEqual(ids(log.events));
  });

  it('serves events appended later, and only them, from the tail cursor', () => {
    const log = seeded();
    const { cursor } = walk(log, start(), 50);
    const lastBefore = log.events.at(-1)!.processedAtMs;
    // Appended "now", an hour before the newest event: still processed after everything there is.
    const added = log.append({ count: 20, nowMs: END - HOUR, lateFraction: 0.5, lateMs: HOUR });
    expect(added.every((e) => e.processedAtMs > lastBefore)).toBe(true);
    const { pages } = walk(log, cursor, 7);
    expect(ids(pages.flat()).sort()).toEqual(ids(added).sort());
    expect(ids(pages.flat())).toEqual(ids(log.events.slice(-20)));
  });

  it('with `to` set reports the window exhausted and serves nothing after it', () => {
    const log = seeded();
    const from = END - 4 * HOUR;
    const to = END - 2 * HOUR;
    const { pages, exhausted } = walk(log, start({ from, to, p: from }), 10);
    const served = pages.flat();
    expect(exhausted).toBe(true);
    expect(ids(served)).toEqual(ids(log.events.filter((e) => e.processedAtMs >= from && e.processedAtMs <= to)));
    expect(served.length).toBeGreaterThan(0);
  });

  it('without `to` is never exhausted', () => {
    const log = seeded();
    expect(log.streamPage({ cursor: start(), limit: 1000, windowOn: 'processedAt' }).exhausted).toBe(false);
  });

  it('in desc order returns the newest processed first', () => {
    const log = seeded();
    const cursor = start({ sort: 'desc', p: Number.MAX_SAFE_INTEGER });
    const first = log.streamPage({ cursor, limit: 10, windowOn: 'processedAt' }).page;
    expect(ids(first)).toEqual(ids(log.events.slice(-10).reverse()));
    const last = first.at(-1)!;
    const second = log.streamPage({ cursor: { ...cursor, p: last.processedAtMs, i: last.id }, limit: 10, windowOn: 'processedAt' }).page;
    expect(ids(second)).toEqual(ids(log.events.slice(-20, -10).reverse()));
  });
});

describe('visibility delay', () => {
  const DELAY = 1_000;

  it('draws each event its own delay in [0, delayMs], the same for the same seed, without changing the events', () => {
    const a = seeded({ count: 500 });
    const b = seeded({ count: 500 });
    const delays = a.events.map((e) => visibleAtMs(e, DELAY) - e.processedAtMs);
    expect(b.events.map((e) => visibleAtMs(e, DELAY) - e.processedAtMs)).toEqual(delays);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(DELAY);
    expect(Math.min(...delays)).toBeLessThan(DELAY / 10);
    expect(Math.max(...delays)).toBeGreaterThan(DELAY * 0.9);
    expect(a.events.every((e) => visibleAtMs(e, 0) === e.processedAtMs)).toBe(true);
  });

  it('hides an event until processedAt + d; by then a reader at the tail has passed it and never sees it', () => {
    const log = seeded();
    const { cursor: tail } = walk(log, start(), 50);
    const T = END + 60_000;
    const [late] = log.append({ count: 1, nowMs: T, lateFraction: 0, lateMs: 0, sameMillisecond: true });
    const [early] = log.append({ count: 1, nowMs: T + 1, lateFraction: 0, lateMs: 0, sameMillisecond: true });
    // Pin the draws: the event processed at T becomes visible at T + 998, the one at T + 1 at once.
    Object.assign(late!, { visibilityDraw: 0.998 });
    Object.assign(early!, { visibilityDraw: 0 });
    expect([visibleAtMs(late!, DELAY), visibleAtMs(early!, DELAY)]).toEqual([T + 998, T + 1]);

    const read = (cursor: StreamCursor, nowMs: number) =>
      log.streamPage({ cursor, limit: 10, windowOn: 'processedAt', visibility: { nowMs, delayMs: DELAY } }).page;
    expect(ids(read(tail, T + 1))).toEqual([early!.id]);
    const afterEarly = { ...tail, p: early!.processedAtMs, i: early!.id };
    expect(read(afterEarly, T + 998)).toEqual([]);
    // Read again from before T: not yet at T + 997, there at T + 998.
    expect(ids(read(tail, T + 997))).toEqual([early!.id]);
    expect(ids(read(tail, T + 998))).toEqual([late!.id, early!.id]);
  });

  it('counts hidden events as absent when deciding that a window is exhausted', () => {
    const log = seeded();
    const T = END + 60_000;
    const [hidden] = log.append({ count: 1, nowMs: T, lateFraction: 0, lateMs: 0 });
    Object.assign(hidden!, { visibilityDraw: 0.998 });
    const window = start({ from: T, to: T, p: T });
    const at = (nowMs: number) =>
      log.streamPage({ cursor: window, limit: 10, windowOn: 'processedAt', visibility: { nowMs, delayMs: DELAY } });
    expect(at(T + 500)).toEqual({ page: [], exhausted: true });
    expect(at(T + 998)).toEqual({ page: [hidden], exhausted: true });
  });

  it('with delay 0 shows every event, even one processed after now', () => {
    const log = seeded();
    log.append({ count: 3, nowMs: END + HOUR, lateFraction: 0, lateMs: 0 });
    const { page } = log.streamPage({ cursor: start(), limit: 500, windowOn: 'processedAt', visibility: { nowMs: END, delayMs: 0 } });
    expect(ids(page)).toEqual(ids(log.events));
  });
});

describe('append', () => {
  it('with sameMillisecond puts every event in one fresh millisecond after the log', () => {
    const log = seeded();
    const lastBefore = log.events.at(-1)!.processedAtMs;
    const added = log.append({ count: 25, nowMs: END - HOUR, lateFraction: 0, lateMs: 0, sameMillisecond: true });
    expect(new Set(added.map((e) => e.processedAtMs))).toEqual(new Set([lastBefore + 1]));
    expect(ids(log.events.slice(-25)).sort()).toEqual(ids(added).sort());

    const later = log.append({ count: 5, nowMs: END + HOUR, lateFraction: 0, lateMs: 0, sameMillisecond: true });
    expect(new Set(later.map((e) => e.processedAtMs))).toEqual(new Set([END + HOUR]));
  });

  it('refuses atLastMillisecond and sameMillisecond together', () => {
    expect(() =>
      seeded().append({ count: 1, nowMs: END, lateFraction: 0, lateMs: 0, atLastMillisecond: true, sameMillisecond: true }),
    ).toThrow('append: atLastMillisecond and sameMillisecond exclude each other');
  });
});
