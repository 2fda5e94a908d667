// covers: src/model/position.ts, src/model/state.ts
import {
  alreadyWritten,
  comparePositions,
  normalizeState,
  positionAfter,
  positionAfterEvents,
  samePlace,
  startPosition,
} from '../../src/model/position';
import { addObject, afterObject, emptyBatch, jumpTo, moved, stateAfter, type ObjectStep } from '../../src/model/state';
import { MAX_KEYS_IN_RESULT, type CollectState, type StreamPosition } from '../../src/model/types';

const T = Date.UTC(2025, 4, 19, 10);
const pos = (atMs: number, idsAtMs: string[] = [], cursor: string | null = null): StreamPosition => ({ atMs, idsAtMs, cursor });

const state: CollectState = {
  position: pos(T, ['a'], 'c0'),
  startPointMs: 1000,
  lastProcessedAt: '2025-05-19T10:00:00.000Z',
  totals: { events: 10, objects: 2, bytes: 500 },
};

describe('startPosition', () => {
  it('is before any event: no IDs, no cursor', () => {
    expect(startPosition(T)).toEqual({ atMs: T, idsAtMs: [], cursor: null });
  });
});

describe('comparePositions', () => {
  it('orders by processedAt ms first', () => {
    expect(comparePositions(pos(T + 1), pos(T, ['a', 'b', 'c']))).toBeGreaterThan(0);
    expect(comparePositions(pos(T, ['a', 'b', 'c']), pos(T + 1))).toBeLessThan(0);
  });

  it('at the same ms, the position with more IDs written is ahead', () => {
    expect(comparePositions(pos(T, ['a', 'b']), pos(T, ['a']))).toBeGreaterThan(0);
    expect(comparePositions(pos(T, ['a']), pos(T, ['a', 'b']))).toBeLessThan(0);
    expect(comparePositions(pos(T, ['a']), pos(T))).toBeGreaterThan(0);
  });

  it('ignores the cursor: positions differing only in cursor text are level', () => {
    expect(comparePositions(pos(T, ['a'], 'x'), pos(T, ['a'], 'y'))).toBe(0);
    expect(comparePositions(pos(T, ['a'], 'x'), pos(T, ['a'], null))).toBe(0);
  });
});

describe('alreadyWritten', () => {
  const position = pos(T, ['a', 'b'], 'c');

  it('an ID written at atMs is already written, on any read', () => {
    for (const fromRead of [true, false]) {
      expect(alreadyWritten({ pageStart: position, position, id: 'a', processedAtMs: T, fromRead })).toBe(true);
      expect(alreadyWritten({ pageStart: position, position, id: 'b', processedAtMs: T, fromRead })).toBe(true);
    }
  });

  it('another ID at atMs is not', () => {
    for (const fromRead of [true, false])
      expect(alreadyWritten({ pageStart: position, position, id: 'c', processedAtMs: T, fromRead })).toBe(false);
  });

  it('an event before atMs is already written on a read from atMs, but not on a cursor read', () => {
    expect(alreadyWritten({ pageStart: position, position, id: 'z', processedAtMs: T - 1, fromRead: true })).toBe(true);
    expect(alreadyWritten({ pageStart: position, position, id: 'z', processedAtMs: T - 1, fromRead: false })).toBe(false);
  });

  it('an event after atMs is not, on any read', () => {
    for (const fromRead of [true, false])
      expect(alreadyWritten({ pageStart: position, position, id: 'a', processedAtMs: T + 1, fromRead })).toBe(false);
  });

  it('an event served out of order inside a page is compared with where the page began, not the running position', () => {
    const pageStart = pos(T, ['a'], null);
    const running = pos(T + 7, ['x'], null);
    expect(alreadyWritten({ pageStart, position: running, id: 'y', processedAtMs: T + 6, fromRead: true })).toBe(false);
    expect(alreadyWritten({ pageStart, position: running, id: 'a', processedAtMs: T, fromRead: true })).toBe(true);
    expect(alreadyWritten({ pageStart, position: running, id: 'z', processedAtMs: T - 1, fromRead: true })).toBe(true);
    expect(alreadyWritten({ pageStart, position: running, id: 'x', processedAtMs: T + 7, fromRead: true })).toBe(true);
  });

  it('an event without processedAt is never taken as written', () => {
    for (const fromRead of [true, false])
      expect(alreadyWritten({ pageStart: position, position, id: 'a', processedAtMs: undefined, fromRead })).toBe(false);
  });
});

describe('positionAfter', () => {
  it('a later event moves to its ms with only its ID, keeping the cursor', () => {
    expect(positionAfter(pos(T, ['a', 'b'], 'c'), { id: 'x', processedAtMs: T + 7 })).toEqual(pos(T + 7, ['x'], 'c'));
  });

  it('an event at the same ms appends its ID, in order', () => {
    const p = pos(T, ['a'], null);
    const after = positionAfter(positionAfter(p, { id: 'b', processedAtMs: T }), { id: 'c', processedAtMs: T });
    expect(after).toEqual(pos(T, ['a', 'b', 'c'], null));
    expect(p).toEqual(pos(T, ['a'], null));
  });

  it('an event without processedAt, or behind the position, leaves it', () => {
    const p = pos(T, ['a'], 'c');
    expect(positionAfter(p, { id: 'x', processedAtMs: undefined })).toEqual(p);
    expect(positionAfter(p, { id: 'x', processedAtMs: T - 1 })).toEqual(p);
  });

  it('an ID already recorded at the millisecond is not counted again', () => {
    const p = pos(T, ['a', 'b'], null);
    expect(positionAfter(p, { id: 'a', processedAtMs: T })).toEqual(p);
  });

  it("positionAfterEvents folds an object's events from its start, without a cursor", () => {
    const start = pos(T, ['a'], 'c');
    const events = [
      { id: 'b', processedAtMs: T },
      { id: 'x', processedAtMs: T + 5 },
      { id: 'y', processedAtMs: T + 5 },
    ];
    expect(positionAfterEvents(start, events)).toEqual(pos(T + 5, ['x', 'y'], null));
    expect(samePlace(pos(T + 5, ['y', 'x'], 'q'), pos(T + 5, ['x', 'y'], null))).toBe(true);
    expect(samePlace(pos(T + 5, ['x'], null), pos(T + 5, ['x', 'y'], null))).toBe(false);
  });

  it('each event read moves the position ahead of where it was', () => {
    let p = startPosition(T);
    for (const [id, ms] of [
      ['a', T],
      ['b', T],
      ['c', T + 1],
      ['d', T + 3],
    ] as const) {
      const next = positionAfter(p, { id, processedAtMs: ms });
      expect(comparePositions(next, p)).toBeGreaterThan(0);
      expect(alreadyWritten({ pageStart: p, position: next, id, processedAtMs: ms, fromRead: true })).toBe(true);
      p = next;
    }
  });
});

describe('normalizeState', () => {
  const rest = { startPointMs: 1000, totals: { events: 3, objects: 1, bytes: 9 } };

  it("keeps a legacy {cursor} state's cursor and takes atMs from lastProcessedAt", () => {
    const legacy = { ...rest, position: { cursor: 'old-cursor' }, lastProcessedAt: '2025-05-19T10:00:00.123Z' } as unknown as CollectState;
    expect(normalizeState(legacy)).toEqual({
      ...rest,
      position: pos(Date.parse('2025-05-19T10:00:00.123Z'), [], 'old-cursor'),
      lastProcessedAt: '2025-05-19T10:00:00.123Z',
    });
  });

  it('takes atMs from the start point for a legacy {cursor} state with nothing processed yet', () => {
    const legacy = { ...rest, position: { cursor: 'c' }, lastProcessedAt: null } as unknown as CollectState;
    expect(normalizeState(legacy).position).toEqual(pos(1000, [], 'c'));
  });

  it('reads a legacy {fromMs} (and {fromMs, toMs}) state as a read from fromMs', () => {
    const legacy = { ...rest, position: { fromMs: 5000 }, lastProcessedAt: null } as unknown as CollectState;
    expect(normalizeState(legacy)).toEqual({ ...rest, position: pos(5000), lastProcessedAt: null });
    const windowed = {
      ...rest,
      position: { fromMs: 6000, toMs: 9000 },
      lastProcessedAt: '2025-05-19T10:00:00.000Z',
    } as unknown as CollectState;
    expect(normalizeState(windowed).position).toEqual(pos(6000));
  });

  it("passes a current state through and strips what is not state (a result's summary and health)", () => {
    const result = { ...state, ruleId: 'r', run: { events: 1 }, health: { hourlyEvents: [] }, extra: true } as unknown as CollectState;
    const normalized = normalizeState(result);
    expect(normalized).toEqual(state);
    expect(Object.keys(normalized).sort()).toEqual(['lastProcessedAt', 'position', 'startPointMs', 'totals']);
  });
});

const object = (n: number, over: Partial<ObjectStep> = {}): ObjectStep => ({
  position: pos(T + n, [`e${n}`], `c${n}`),
  events: 10,
  rawBytes: 100,
  bytes: 7,
  key: `k${n}`,
  caughtUp: false,
  lastProcessedAt: `T${n}`,
  ...over,
});

describe('afterObject', () => {
  it('moves the position, adds the counts and keeps the start point', () => {
    expect(afterObject(state, object(5))).toEqual({
      position: pos(T + 5, ['e5'], 'c5'),
      startPointMs: 1000,
      lastProcessedAt: 'T5',
      totals: { events: 20, objects: 3, bytes: 507 },
    });
  });

  it('an empty read moves the position but keeps lastProcessedAt and counts no object', () => {
    const next = afterObject(state, object(1, { key: null, events: 0, rawBytes: 0, bytes: 0, lastProcessedAt: null }));
    expect(next.position).toEqual(pos(T + 1, ['e1'], 'c1'));
    expect(next.lastProcessedAt).toBe(state.lastProcessedAt);
    expect(next.totals).toEqual(state.totals);
  });

  it('does not mutate its inputs', () => {
    const before = JSON.parse(JSON.stringify(state));
    afterObject(state, object(1));
    expect(state).toEqual(before);
  });
});

describe('addObject and emptyBatch', () => {
  it('an empty batch holds the state and no counts', () => {
    expect(emptyBatch(state)).toEqual({ state, events: 0, rawBytes: 0, bytes: 0, objects: 0, keys: [], caughtUp: false });
  });

  it('sums the objects of a batch and keeps the last position, caughtUp and processedAt', () => {
    const result = addObject(addObject(emptyBatch(state), object(1)), object(2, { caughtUp: true }));
    expect(result).toEqual({
      state: {
        position: pos(T + 2, ['e2'], 'c2'),
        startPointMs: 1000,
        lastProcessedAt: 'T2',
        totals: { events: 30, objects: 4, bytes: 514 },
      },
      events: 20,
      rawBytes: 200,
      bytes: 14,
      objects: 2,
      keys: ['k1', 'k2'],
      caughtUp: true,
    });
  });

  it('counts no object for an empty read but moves the position and keeps lastProcessedAt', () => {
    const one = addObject(emptyBatch(state), object(1));
    const after = addObject(one, object(2, { key: null, events: 0, rawBytes: 0, bytes: 0, lastProcessedAt: null }));
    expect(after).toMatchObject({ objects: 1, keys: ['k1'], events: 10 });
    expect(after.state.position).toEqual(pos(T + 2, ['e2'], 'c2'));
    expect(after.state.lastProcessedAt).toBe('T1');
  });

  it('caps the keys it lists, not the objects it counts', () => {
    let result = emptyBatch(state);
    for (let n = 0; n < MAX_KEYS_IN_RESULT + 5; n++) result = addObject(result, object(n));
    expect(result.objects).toBe(MAX_KEYS_IN_RESULT + 5);
    expect(result.keys).toHaveLength(MAX_KEYS_IN_RESULT);
    expect(result.state.totals.objects).toBe(state.totals.objects + MAX_KEYS_IN_RESULT + 5);
  });

  it("the batch's state equals the state advanced object by object", () => {
    const objects = [object(1), object(2, { key: null, lastProcessedAt: null, events: 0 }), object(3)];
    expect(objects.reduce(addObject, emptyBatch(state)).state).toEqual(objects.reduce(afterObject, state));
  });
});

describe('jumpTo', () => {
  const ahead: CollectState = {
    position: pos(T + 100, ['z']),
    startPointMs: 1000,
    lastProcessedAt: 'T100',
    totals: { events: 25, objects: 5, bytes: 600 },
  };

  it('moves a batch to a state further along and counts what lies between as its own', () => {
    const batch = addObject(emptyBatch(state), object(1)); // totals 20 events, 3 objects, 507 bytes
    expect(jumpTo(batch, ahead)).toEqual({ ...batch, state: ahead, events: 10 + 5, objects: 1 + 2, bytes: 7 + 93 });
  });

  it('ignores a state that is behind or level', () => {
    const batch = emptyBatch(state);
    expect(jumpTo(batch, { ...ahead, position: pos(T - 1, ['q', 'r']) })).toBe(batch);
    expect(jumpTo(batch, { ...ahead, position: pos(T, ['other'], 'different cursor') })).toBe(batch);
  });

  it('never counts less than nothing when the state ahead has lower totals', () => {
    const batch = emptyBatch(state);
    const jumped = jumpTo(batch, { ...ahead, totals: { events: 0, objects: 0, bytes: 0 } });
    expect(jumped.state.position).toEqual(ahead.position);
    expect(jumped).toMatchObject({ events: 0, objects: 0, bytes: 0 });
  });
});

describe('moved', () => {
  it('is false for a batch that wrote nothing and stayed put, even with a new cursor text', () => {
    expect(moved(emptyBatch(state), state)).toBe(false);
    expect(moved(emptyBatch({ ...state, position: { ...state.position, cursor: 'new text' } }), state)).toBe(false);
  });

  it('is true when the batch wrote an object or moved the position', () => {
    expect(moved(addObject(emptyBatch(state), object(1)), state)).toBe(true);
    expect(moved(addObject(emptyBatch(state), object(1, { key: null, events: 0, bytes: 0 })), state)).toBe(true);
    expect(moved(jumpTo(emptyBatch(state), { ...state, position: pos(T + 1) }), state)).toBe(true);
  });
});

describe('stateAfter', () => {
  const before: CollectState = {
    position: startPosition(1_000),
    startPointMs: 1_000,
    lastProcessedAt: null,
    totals: { events: 5, objects: 1, bytes: 50 },
  };
  it("is the batch result's state", () => {
    const after: CollectState = { ...before, position: { atMs: 2_000, idsAtMs: ['x'], cursor: 'c' } };
    expect(stateAfter(before, { state: after, events: 1, rawBytes: 1, bytes: 1, objects: 1, keys: [], caughtUp: true })).toBe(after);
  });
  it("takes an older worker's result (a bare cursor and counts) during a rolling upgrade", () => {
    const legacy = {
      nextPosition: { cursor: 'old' },
      events: 3,
      objects: 1,
      bytes: 30,
      lastProcessedAt: '1970-01-01T00:00:03.000Z',
      rawBytes: 90,
      keys: [],
      caughtUp: true,
    };
    expect(stateAfter(before, legacy)).toEqual({
      position: { atMs: 3_000, idsAtMs: [], cursor: 'old' },
      startPointMs: 1_000,
      lastProcessedAt: '1970-01-01T00:00:03.000Z',
      totals: { events: 8, objects: 2, bytes: 80 },
    });
  });
});
