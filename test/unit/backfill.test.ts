import { BackfillRequestError, backfillText, checkRange, parseInstant, progressBar } from '../../client/backfill';
import { backfillObjectKey } from '../../activities/keys';
import {
  MAX_SLICES,
  advanceSlice,
  backfillWorkflowId,
  initialSliceState,
  planSlices,
  summarize,
  type SliceReport,
} from '../../workflows/backfill-types';

const DAY = 86_400_000;
const from = Date.UTC(2026, 4, 1);

describe('planSlices', () => {
  it('covers [from, to) with disjoint slices whose bounds are inclusive', () => {
    const slices = planSlices({ fromMs: from, toMs: from + 7 * DAY, concurrency: 3 });
    expect(slices).toHaveLength(7);
    expect(slices[0].fromMs).toBe(from);
    expect(slices.at(-1)!.toMs).toBe(from + 7 * DAY - 1);
    for (let i = 1; i < slices.length; i++) expect(slices[i].fromMs).toBe(slices[i - 1].toMs + 1);
    expect(slices.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('makes at least `concurrency` slices of a short range, and at most MAX_SLICES of a long one', () => {
    expect(planSlices({ fromMs: from, toMs: from + 3_600_000, concurrency: 4 })).toHaveLength(4);
    expect(planSlices({ fromMs: from, toMs: from + 180 * DAY, concurrency: 1 })).toHaveLength(180);
    expect(planSlices({ fromMs: from, toMs: from + 3, concurrency: 8 })).toHaveLength(3);
    expect(planSlices({ fromMs: 0, toMs: 1000 * DAY, concurrency: 1 })).toHaveLength(MAX_SLICES);
  });

  it('refuses an empty range', () => {
    expect(() => planSlices({ fromMs: from, toMs: from, concurrency: 1 })).toThrow('empty range');
  });
});

describe('backfill IDs and keys', () => {
  it('derives the workflow ID from the rule and the range only', () => {
    expect(backfillWorkflowId({ ruleId: 'acme', fromMs: from, toMs: from + DAY })).toBe('backfill-acme-20260501T000000Z-20260502T000000Z');
    expect(backfillWorkflowId({ ruleId: 'acme', fromMs: from + 5, toMs: from + DAY })).toBe('backfill-acme-20260501T000000.005Z-20260502T000000Z');
  });

  it('names a backfill object by range, slice and batch number, in the live partitions', () => {
    const base = { prefix: 'audit/', ruleId: 'acme', backfillTag: 'backfill-20260501T000000Z-20260502T000000Z', firstProcessedAtMs: from + 3_600_000, sliceFromMs: from, batch: 0 };
    const key = backfillObjectKey(base);
    expect(key).toMatch(/^audit\/2026\/05\/01\/01\/acme-backfill-20260501T000000Z-20260502T000000Z-\d+-[0-9a-f]{16}\.json\.zst$/);
    expect(backfillObjectKey({ ...base })).toBe(key);
    const others = [backfillObjectKey({ ...base, batch: 1 }), backfillObjectKey({ ...base, sliceFromMs: from + 1 }), backfillObjectKey({ ...base, backfillTag: 'backfill-x' })];
    expect(new Set([key, ...others]).size).toBe(4);
  });
});

describe('slice state and progress', () => {
  it('advances a slice only from the batch result, and is done when the window is exhausted', () => {
    const slice = { index: 0, fromMs: from, toMs: from + DAY - 1 };
    const start = initialSliceState(slice);
    expect(start.position).toEqual({ fromMs: from, toMs: from + DAY - 1 });
    const one = advanceSlice(start, { nextPosition: { cursor: 'c1' }, events: 1000, dropped: 2, rawBytes: 9, bytes: 5, key: 'k', caughtUp: false, lastProcessedAt: '2026-05-01T06:00:00.000Z' });
    expect(one).toMatchObject({ position: { cursor: 'c1' }, batches: 1, events: 1000, dropped: 2, objects: 1, bytes: 5, done: false });
    const two = advanceSlice(one, { nextPosition: { cursor: 'c1' }, events: 0, dropped: 0, rawBytes: 0, bytes: 0, key: null, caughtUp: true, lastProcessedAt: null });
    expect(two).toMatchObject({ batches: 2, events: 1000, objects: 1, lastProcessedAt: '2026-05-01T06:00:00.000Z', done: true });
  });

  it('sums slices into events, fraction, low-water position, pace and ETA', () => {
    const slices: SliceReport[] = planSlices({ fromMs: from, toMs: from + 4 * DAY, concurrency: 2 }).map((s) => ({ ...s, status: 'pending', state: null }));
    slices[0] = { ...slices[0], status: 'done', state: { ...initialSliceState(slices[0]), events: 600, objects: 2, bytes: 100, done: true } };
    slices[1] = { ...slices[1], status: 'running', state: { ...initialSliceState(slices[1]), events: 300, objects: 1, bytes: 50, lastProcessedAt: new Date(from + DAY + DAY / 2).toISOString() } };
    const p = summarize({ backfillId: 'b', range: { ruleId: 'acme', fromMs: from, toMs: from + 4 * DAY, liveStartMs: from + 4 * DAY, concurrency: 2 }, slices, startedAtMs: 0, nowMs: 10_000 });
    expect(p).toMatchObject({ events: 900, objects: 3, bytes: 150, slices: { total: 4, done: 1, running: 1 }, eventsPerSecond: 90 });
    expect(p.fraction).toBeCloseTo(1.5 / 4, 6);
    expect(p.position).toBe(new Date(from + DAY + DAY / 2).toISOString());
    expect(p.etaMs).toBe(Math.round((10_000 * (1 - 1.5 / 4)) / (1.5 / 4)));
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
    expect(() => checkRange({ ...base, fromMs: now - 181 * DAY })).toThrow(/older than the 180 days.*oldest possible --from now is 2025-12-02T00:00:00.000Z/);
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
    const slices: SliceReport[] = planSlices({ fromMs: from, toMs: from + 2 * DAY, concurrency: 1 }).map((s) => ({ ...s, status: 'pending', state: null }));
    slices[0] = { ...slices[0], status: 'done', state: { ...initialSliceState(slices[0]), events: 500, objects: 1, bytes: 2048, done: true } };
    const progress = summarize({ backfillId: 'backfill-acme-x', range: { ruleId: 'acme', fromMs: from, toMs: from + 2 * DAY, liveStartMs: from + 2 * DAY, concurrency: 1 }, slices, startedAtMs: 0, nowMs: 60_000 });
    const text = backfillText({ backfillId: 'backfill-acme-x', status: 'RUNNING', progress }, { color: false });
    expect(text).toContain(`[${'#'.repeat(15)}${'-'.repeat(15)}]  50%  1/2 slices done`);
    expect(text).toContain('500 events in 1 objects (2.0 KiB compressed)');
    expect(text).toContain('ETA 60s');
    expect(text).not.toMatch(/[\r\x1b]/);
  });
});
