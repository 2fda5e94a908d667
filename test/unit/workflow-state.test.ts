import { addObject, advance, emptyBatch } from '../../workflows/state';
import { MAX_KEYS_IN_RESULT, type BatchResult, type CollectState } from '../../workflows/types';

const state: CollectState = {
  position: { fromMs: 1000 },
  startPointMs: 1000,
  lastProcessedAt: '2025-05-19T10:00:00.000Z',
  totals: { events: 10, objects: 2, bytes: 500 },
};

const batch = (over: Partial<BatchResult>): BatchResult => ({
  nextPosition: { cursor: 'next' },
  events: 0,
  rawBytes: 0,
  bytes: 0,
  objects: 0,
  keys: [],
  caughtUp: true,
  lastProcessedAt: null,
  ...over,
});

describe('advance', () => {
  it('moves the position, adds the counts and keeps the start point', () => {
    const next = advance(state, batch({ events: 5, bytes: 120, rawBytes: 900, objects: 1, keys: ['p/k.json.zst'], lastProcessedAt: '2025-05-19T10:05:00.000Z' }));
    expect(next).toEqual({
      position: { cursor: 'next' },
      startPointMs: 1000,
      lastProcessedAt: '2025-05-19T10:05:00.000Z',
      totals: { events: 15, objects: 3, bytes: 620 },
    });
  });

  it('an empty batch moves the cursor but keeps lastProcessedAt and counts no object', () => {
    const next = advance(state, batch({ nextPosition: { cursor: 'tail' } }));
    expect(next.position).toEqual({ cursor: 'tail' });
    expect(next.lastProcessedAt).toBe('2025-05-19T10:00:00.000Z');
    expect(next.totals).toEqual({ events: 10, objects: 2, bytes: 500 });
  });

  it('does not mutate its inputs', () => {
    const before = JSON.parse(JSON.stringify(state));
    advance(state, batch({ events: 1, objects: 1, keys: ['k'] }));
    expect(state).toEqual(before);
  });

  it('sets lastProcessedAt from a first batch', () => {
    const fresh: CollectState = { ...state, lastProcessedAt: null, totals: { events: 0, objects: 0, bytes: 0 } };
    expect(advance(fresh, batch({ events: 1, objects: 1, keys: ['k'], bytes: 9, lastProcessedAt: 'T' })).lastProcessedAt).toBe('T');
  });
});

describe('addObject', () => {
  const object = (n: number, over: { key?: string | null; lastProcessedAt?: string | null } = {}) => ({
    nextPosition: { cursor: `c${n}` },
    events: 10,
    rawBytes: 100,
    bytes: 7,
    key: `k${n}`,
    caughtUp: false,
    lastProcessedAt: `T${n}`,
    ...over,
  });

  it('sums the objects of a batch and keeps the last position, caughtUp and processedAt', () => {
    let result = emptyBatch({ fromMs: 5 });
    result = addObject(result, object(1));
    result = addObject(result, { ...object(2), caughtUp: true });
    expect(result).toEqual({ nextPosition: { cursor: 'c2' }, events: 20, rawBytes: 200, bytes: 14, objects: 2, keys: ['k1', 'k2'], caughtUp: true, lastProcessedAt: 'T2' });
  });

  it('counts no object for an empty read but moves the cursor and keeps lastProcessedAt', () => {
    const one = addObject(emptyBatch({ fromMs: 5 }), object(1));
    const after = addObject(one, { ...object(2, { key: null, lastProcessedAt: null }), events: 0, rawBytes: 0, bytes: 0 });
    expect(after).toMatchObject({ nextPosition: { cursor: 'c2' }, objects: 1, keys: ['k1'], lastProcessedAt: 'T1' });
  });

  it('caps the keys it lists, not the objects it counts', () => {
    let result = emptyBatch({ fromMs: 5 });
    for (let n = 0; n < MAX_KEYS_IN_RESULT + 5; n++) result = addObject(result, object(n));
    expect(result.objects).toBe(MAX_KEYS_IN_RESULT + 5);
    expect(result.keys).toHaveLength(MAX_KEYS_IN_RESULT);
  });

  it('advancing by the summed batch equals advancing object by object', () => {
    const objects = [object(1), object(2, { key: null, lastProcessedAt: null }), object(3)];
    const summed = advance(state, objects.reduce(addObject, emptyBatch(state.position)));
    const stepwise = objects.reduce((s, o) => advance(s, addObject(emptyBatch(s.position), o)), state);
    expect(summed).toEqual(stepwise);
  });
});
