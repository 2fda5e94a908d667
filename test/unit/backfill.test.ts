// covers: src/model/backfill.ts, src/activities/backfill.ts, src/client/backfill/
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { orgSource } from '../../src/pipeline/org-source';
import type { ObjectStore } from '../../src/storage/s3';
import { createZstd } from '../../src/pipeline/zstd';
import { objectKey } from '../../src/storage/keys';
import { fakeEvent, fakeRule, fakeSource, fakeStore, fencedWrites } from '../helpers/fakes';
import { BackfillRequestError, backfillText, checkRange, parseInstant, progressBar } from '../../src/client/backfill';
import {
  BACKFILL_EVENTS_PER_OBJECT,
  MAX_SLICES,
  advanceSlice,
  initialSliceState,
  planSlices,
  summarize,
  type BackfillBatchInput,
  type BackfillBatchResult,
  type SliceReport,
} from '../../src/model/backfill';
import { backfillWorkflowId, sliceWorkflowId } from '../../src/model/ids';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const from = Date.UTC(2026, 4, 1);
/** Far after every range below: the slices end at the range's last whole day. */
const later = from + 100 * DAY;

describe('planSlices', () => {
  it('covers a range with whole UTC days, each starting at midnight: 10:30 on D to 12:00 on D+2 is three slices', () => {
    const slices = planSlices({ fromMs: from + 10 * HOUR + 30 * 60_000, toMs: from + 2 * DAY + 12 * HOUR, liveStartMs: later });
    expect(slices).toEqual([
      { index: 0, fromMs: from, toMs: from + DAY - 1 },
      { index: 1, fromMs: from + DAY, toMs: from + 2 * DAY - 1 },
      { index: 2, fromMs: from + 2 * DAY, toMs: from + 3 * DAY - 1 },
    ]);
  });

  it('plans disjoint, contiguous slices whose bounds are inclusive', () => {
    const slices = planSlices({ fromMs: from, toMs: from + 7 * DAY, liveStartMs: later });
    expect(slices).toHaveLength(7);
    expect(slices[0]!.fromMs).toBe(from);
    expect(slices.at(-1)!.toMs).toBe(from + 7 * DAY - 1);
    for (let i = 1; i < slices.length; i++) expect(slices[i]!.fromMs).toBe(slices[i - 1]!.toMs + 1);
    expect(slices.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const slice of slices) expect(slice.fromMs % DAY).toBe(0);
  });

  it('a range ending at midnight takes no slice of the day that starts there; one ending a millisecond later does', () => {
    expect(planSlices({ fromMs: from, toMs: from + 2 * DAY, liveStartMs: later })).toHaveLength(2);
    expect(planSlices({ fromMs: from, toMs: from + 2 * DAY + 1, liveStartMs: later })).toHaveLength(3);
    expect(planSlices({ fromMs: from + DAY - 1, toMs: from + DAY, liveStartMs: later })).toEqual([
      { index: 0, fromMs: from, toMs: from + DAY - 1 },
    ]);
  });

  it('ends the last slice just before T0 when T0 falls inside a day', () => {
    const liveStartMs = from + 2 * DAY + 6 * HOUR;
    const slices = planSlices({ fromMs: from + HOUR, toMs: from + 5 * DAY, liveStartMs });
    expect(slices).toHaveLength(3);
    expect(slices.at(-1)).toEqual({ index: 2, fromMs: from + 2 * DAY, toMs: liveStartMs - 1 });
    expect(slices[1]!.toMs).toBe(from + 2 * DAY - 1);
    for (const slice of slices) expect(slice.toMs).toBeLessThan(liveStartMs);
  });

  it('ends a whole last day before T0 when T0 is at its midnight', () => {
    const slices = planSlices({ fromMs: from, toMs: from + 5 * DAY, liveStartMs: from + 2 * DAY });
    expect(slices.map((s) => [s.fromMs, s.toMs])).toEqual([
      [from, from + DAY - 1],
      [from + DAY, from + 2 * DAY - 1],
    ]);
  });

  it('plans the same window for a day whichever overlapping range asks for it', () => {
    const a = planSlices({ fromMs: from + 10 * HOUR, toMs: from + 3 * DAY + 12 * HOUR, liveStartMs: later });
    const b = planSlices({ fromMs: from + 2 * DAY + HOUR, toMs: from + 5 * DAY + 30 * 60_000, liveStartMs: later });
    const window = (s: { fromMs: number; toMs: number }) => `${s.fromMs}-${s.toMs}`;
    const common = a.map(window).filter((w) => b.map(window).includes(w));
    expect(common).toEqual([`${from + 2 * DAY}-${from + 3 * DAY - 1}`, `${from + 3 * DAY}-${from + 4 * DAY - 1}`]);
    // Also with a T0 inside the last common day: both end it at T0 - 1.
    const liveStartMs = from + 3 * DAY + 7 * HOUR;
    const c = planSlices({ fromMs: from + 10 * HOUR, toMs: from + 3 * DAY + 12 * HOUR, liveStartMs });
    const d = planSlices({ fromMs: from + 3 * DAY, toMs: from + 9 * DAY, liveStartMs });
    expect(d).toEqual([{ index: 0, fromMs: from + 3 * DAY, toMs: liveStartMs - 1 }]);
    expect(c.at(-1)).toEqual({ ...d[0], index: 3 });
  });

  it('refuses an empty range, and one that ends before it starts or at T0', () => {
    expect(() => planSlices({ fromMs: from, toMs: from, liveStartMs: later })).toThrow('empty range');
    expect(() => planSlices({ fromMs: from + DAY, toMs: from, liveStartMs: later })).toThrow('empty range');
    expect(() => planSlices({ fromMs: from + HOUR, toMs: from + DAY, liveStartMs: from + HOUR })).toThrow('empty range');
  });

  it('refuses more than MAX_SLICES days', () => {
    expect(planSlices({ fromMs: from, toMs: from + MAX_SLICES * DAY, liveStartMs: from + 1000 * DAY })).toHaveLength(MAX_SLICES);
    expect(() => planSlices({ fromMs: from, toMs: from + MAX_SLICES * DAY + 1, liveStartMs: from + 1000 * DAY })).toThrow(
      `at most ${MAX_SLICES} days`,
    );
  });
});

describe('backfill IDs', () => {
  it('derives the workflow ID from the rule and the range only', () => {
    expect(backfillWorkflowId({ ruleId: 'acme', fromMs: from, toMs: from + DAY })).toBe('backfill-acme-20260501T000000Z-20260502T000000Z');
    expect(backfillWorkflowId({ ruleId: 'acme', fromMs: from + 5, toMs: from + DAY })).toBe(
      'backfill-acme-20260501T000000.005Z-20260502T000000Z',
    );
    expect(sliceWorkflowId('backfill-acme-x', 7)).toBe('backfill-acme-x-slice-007');
  });
});

describe('the backfill batch', () => {
  const BASE_MS = Date.UTC(2026, 0, 1);
  const eventMs = (n: number) => Date.parse(String(fakeEvent(n).attributes?.processedAt));
  const rule = fakeRule;
  const slice = { index: 0, fromMs: BASE_MS, toMs: BASE_MS + DAY - 1 };
  // Live collection owns e8 and later.
  const liveStartMs = eventMs(8);

  async function backfillBatch(
    store: ObjectStore,
    input: Pick<BackfillBatchInput, 'position' | 'eventsSoFar'>,
  ): Promise<BackfillBatchResult> {
    const activities = createActivities({
      sources: { org: orgSource(fakeSource({ count: 10 })) },
      store,
      compressor: createZstd(),
      secrets: { resolve: () => 'key' },
      pageLimit: 4,
      pagesPerObject: 1,
      settleMs: 0,
      conditionalWrites: fencedWrites(),
      batchMs: 60_000,
    });
    const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
    return env.run(activities.backfillBatch, { rule, slice, liveStartMs, ...input }) as Promise<BackfillBatchResult>;
  }

  it("ends its object at the next multiple of BACKFILL_EVENTS_PER_OBJECT events from the day's start", async () => {
    const s3 = fakeStore();
    const first = await backfillBatch(s3, { position: initialSliceState(slice).position, eventsSoFar: BACKFILL_EVENTS_PER_OBJECT - 3 });
    expect(first).toMatchObject({ events: 3, dropped: 0, caughtUp: false });
    // Cut mid-page: the next batch reads on from just after e2, by processedAt.
    expect(first.position).toEqual({ atMs: eventMs(2), idsAtMs: ['e2'], cursor: null });
    expect(first.key).toBe(objectKey({ prefix: 'p/', ruleId: 'r1', first: { id: 'e0', processedAtMs: eventMs(0) }, backfill: true }));
    expect(s3.puts.map((p) => p.key)).toEqual([first.key]);

    const second = await backfillBatch(s3, { position: first.position, eventsSoFar: BACKFILL_EVENTS_PER_OBJECT });
    // e3 to e7 are written once; e8 and e9 are left to live collection.
    expect(second).toMatchObject({ events: 5, dropped: 2, caughtUp: true, lastProcessedAt: fakeEvent(7).attributes?.processedAt });
    expect(second.key).toBe(objectKey({ prefix: 'p/', ruleId: 'r1', first: { id: 'e3', processedAtMs: eventMs(3) }, backfill: true }));
    expect(s3.puts).toHaveLength(2);
    expect(s3.puts[1]!.metadata).toMatchObject({ 'event-count': '5' });
    // A backfill never writes the live rule's checkpoint.
    expect(s3.puts.every((p) => p.key.startsWith('p/') && p.key.includes('-backfill-'))).toBe(true);
  });

  it('writes the same object under the same key when a day is backfilled again', async () => {
    const once = fakeStore();
    const again = fakeStore();
    const a = await backfillBatch(once, { position: initialSliceState(slice).position, eventsSoFar: 0 });
    const b = await backfillBatch(again, { position: initialSliceState(slice).position, eventsSoFar: 0 });
    expect(a).toMatchObject({ events: 8, dropped: 2, caughtUp: true });
    expect(b.key).toBe(a.key);
    // One batch, one object.
    expect(once.puts).toHaveLength(1);
    expect(again.puts).toHaveLength(1);
    expect(again.puts[0]!.metadata).toEqual(once.puts[0]!.metadata);
  });
});

describe('slice state and progress', () => {
  const slice = { index: 0, fromMs: from, toMs: from + DAY - 1 };
  const batch = (over: Partial<BackfillBatchResult>): BackfillBatchResult => ({
    position: { atMs: from, idsAtMs: [], cursor: null },
    events: 0,
    dropped: 0,
    rawBytes: 0,
    bytes: 0,
    key: null,
    caughtUp: false,
    lastProcessedAt: null,
    ...over,
  });

  it("starts a slice at its window's start, before any event", () => {
    expect(initialSliceState(slice)).toEqual({
      position: { atMs: from, idsAtMs: [], cursor: null },
      batches: 0,
      events: 0,
      dropped: 0,
      objects: 0,
      bytes: 0,
      lastProcessedAt: null,
      done: false,
    });
  });

  it('advances a slice only from the batch result, and is done when the window is exhausted', () => {
    const start = initialSliceState(slice);
    const p1 = { atMs: from + 6 * HOUR, idsAtMs: ['x', 'y'], cursor: 'c1' };
    const one = advanceSlice(
      start,
      batch({ position: p1, events: 5000, dropped: 2, rawBytes: 9, bytes: 5, key: 'k', lastProcessedAt: '2026-05-01T06:00:00.000Z' }),
    );
    expect(one).toEqual({
      position: p1,
      batches: 1,
      events: 5000,
      dropped: 2,
      objects: 1,
      bytes: 5,
      lastProcessedAt: '2026-05-01T06:00:00.000Z',
      done: false,
    });
    const p2 = { ...p1, cursor: null };
    const two = advanceSlice(one, batch({ position: p2, caughtUp: true }));
    expect(two).toEqual({ ...one, position: p2, batches: 2, done: true });
    // Inputs are left as they were.
    expect(start).toEqual(initialSliceState(slice));
  });

  it('sums slices into events, fraction, low-water position, pace and ETA', () => {
    const slices: SliceReport[] = planSlices({ fromMs: from, toMs: from + 4 * DAY, liveStartMs: from + 4 * DAY }).map((s) => ({
      ...s,
      status: 'pending',
      state: null,
    }));
    expect(slices).toHaveLength(4);
    const [day0, day1] = [slices[0]!, slices[1]!];
    slices[0] = { ...day0, status: 'done', state: { ...initialSliceState(day0), events: 600, objects: 2, bytes: 100, done: true } };
    slices[1] = {
      ...day1,
      status: 'running',
      state: {
        ...initialSliceState(day1),
        events: 300,
        dropped: 4,
        objects: 1,
        bytes: 50,
        lastProcessedAt: new Date(from + DAY + DAY / 2).toISOString(),
      },
    };
    const p = summarize({
      backfillId: 'b',
      range: { ruleId: 'acme', fromMs: from, toMs: from + 4 * DAY, liveStartMs: from + 4 * DAY, concurrency: 2 },
      slices,
      startedAtMs: 0,
      nowMs: 10_000,
    });
    expect(p).toMatchObject({
      events: 900,
      dropped: 4,
      objects: 3,
      bytes: 150,
      slices: { total: 4, done: 1, running: 1 },
      eventsPerSecond: 90,
    });
    expect(p.fraction).toBeCloseTo(1.5 / 4, 6);
    expect(p.position).toBe(new Date(from + DAY + DAY / 2).toISOString());
    expect(p.etaMs).toBe(Math.round((10_000 * (1 - 1.5 / 4)) / (1.5 / 4)));
  });

  it('a running slice with nothing written yet holds the position at its start', () => {
    const slices: SliceReport[] = planSlices({ fromMs: from, toMs: from + 2 * DAY, liveStartMs: later }).map((s) => ({
      ...s,
      status: 'pending',
      state: null,
    }));
    expect(slices).toHaveLength(2);
    const [day0, day1] = [slices[0]!, slices[1]!];
    slices[0] = { ...day0, status: 'done', state: { ...initialSliceState(day0), done: true } };
    slices[1] = { ...day1, status: 'running', state: initialSliceState(day1) };
    const p = summarize({
      backfillId: 'b',
      range: { ruleId: 'acme', fromMs: from, toMs: from + 2 * DAY, liveStartMs: later, concurrency: 2 },
      slices,
      startedAtMs: 0,
      nowMs: 1000,
    });
    expect(p.position).toBe(new Date(from + DAY).toISOString());
    expect(p.fraction).toBeCloseTo(0.5, 6);
  });

  it('is complete when every slice is done: fraction 1, no time left, position at the end of the last window', () => {
    const liveStartMs = from + 2 * DAY + 6 * HOUR;
    const slices: SliceReport[] = planSlices({ fromMs: from + HOUR, toMs: from + 3 * DAY, liveStartMs }).map((s) => ({
      ...s,
      status: 'done',
      state: { ...initialSliceState(s), events: 10, objects: 1, bytes: 3, done: true },
    }));
    const p = summarize({
      backfillId: 'b',
      range: { ruleId: 'acme', fromMs: from + HOUR, toMs: from + 3 * DAY, liveStartMs, concurrency: 4 },
      slices,
      startedAtMs: 0,
      nowMs: 5000,
    });
    expect(p).toMatchObject({ fraction: 1, etaMs: 0, events: 30, objects: 3, bytes: 9, slices: { total: 3, done: 3, running: 0 } });
    expect(p.position).toBe(new Date(liveStartMs).toISOString());
  });
});

describe('backfill requests', () => {
  const now = from + 30 * DAY;
  const base = { ruleId: 'acme', fromMs: from, toMs: from + 7 * DAY, nowMs: now, liveStartMs: from + 10 * DAY, allowOverlap: false };

  it('accepts a past range before T0', () => {
    expect(() => checkRange(base)).not.toThrow();
  });

  it('refuses from after to, the future, and beyond retention', () => {
    expect(() => checkRange({ ...base, fromMs: base.toMs })).toThrow('is not before --to');
    expect(() => checkRange({ ...base, toMs: now + 1 })).toThrow('in the future');
    expect(() => checkRange({ ...base, fromMs: now - 181 * DAY })).toThrow(
      /older than the 180 days.*oldest possible --from now is 2025-12-02T00:00:00.000Z/,
    );
  });

  it('names the overlapping part and the way out, unless overlap is allowed', () => {
    const overlapping = { ...base, toMs: from + 12 * DAY };
    expect(() => checkRange(overlapping)).toThrow(BackfillRequestError);
    expect(() => checkRange(overlapping)).toThrow('2026-05-11T00:00:00.000Z to 2026-05-13T00:00:00.000Z is already covered');
    expect(() => checkRange(overlapping)).toThrow('Use --to 2026-05-11T00:00:00.000Z');
    expect(() => checkRange({ ...overlapping, allowOverlap: true })).not.toThrow();
  });

  it('parses ISO dates and date-times with a zone only', () => {
    expect(parseInstant('2026-05-01', 'from')).toBe(from);
    expect(parseInstant('2026-05-01T02:00:00+02:00', 'from')).toBe(from);
    expect(() => parseInstant('2026-05-01T00:00:00', 'from')).toThrow('with a zone');
    expect(() => parseInstant('7d', 'to')).toThrow("--to '7d' is not an ISO date");
    expect(() => parseInstant(undefined, 'to')).toThrow('--to is required');
  });
});

describe('status text', () => {
  it('draws a plain ASCII bar when piped and block characters on a terminal', () => {
    expect(progressBar(0.5, 10, { color: false })).toBe('[#####-----]');
    expect(progressBar(1, 4, { color: true })).toBe('[████]');
  });

  it('shows the bar, counts, position and ETA without control characters when piped', () => {
    const slices: SliceReport[] = planSlices({ fromMs: from, toMs: from + 2 * DAY, liveStartMs: from + 2 * DAY }).map((s) => ({
      ...s,
      status: 'pending',
      state: null,
    }));
    expect(slices).toHaveLength(2);
    const day0 = slices[0]!;
    slices[0] = { ...day0, status: 'done', state: { ...initialSliceState(day0), events: 500, objects: 1, bytes: 2048, done: true } };
    const progress = summarize({
      backfillId: 'backfill-acme-x',
      range: { ruleId: 'acme', fromMs: from, toMs: from + 2 * DAY, liveStartMs: from + 2 * DAY, concurrency: 1 },
      slices,
      startedAtMs: 0,
      nowMs: 60_000,
    });
    const text = backfillText({ backfillId: 'backfill-acme-x', status: 'RUNNING', progress }, { color: false });
    expect(text).toContain(`[${'#'.repeat(15)}${'-'.repeat(15)}]  50%  1/2 slices done`);
    expect(text).toContain('500 events in 1 objects (2.0 KiB compressed)');
    expect(text).toContain('ETA 60s');
    expect(text).not.toMatch(/[\r\x1b]/);
  });
});
