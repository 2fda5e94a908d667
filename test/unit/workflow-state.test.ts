import { advance } from '../../workflows/state';
import type { BatchResult, CollectState } from '../../workflows/types';

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
  key: null,
  caughtUp: true,
  lastProcessedAt: null,
  ...over,
});

describe('advance', () => {
  it('moves the position, adds the counts and keeps the start point', () => {
    const next = advance(state, batch({ events: 5, bytes: 120, rawBytes: 900, key: 'p/k.json.zst', lastProcessedAt: '2025-05-19T10:05:00.000Z' }));
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
    advance(state, batch({ events: 1, key: 'k' }));
    expect(state).toEqual(before);
  });

  it('sets lastProcessedAt from a first batch', () => {
    const fresh: CollectState = { ...state, lastProcessedAt: null, totals: { events: 0, objects: 0, bytes: 0 } };
    expect(advance(fresh, batch({ events: 1, key: 'k', bytes: 9, lastProcessedAt: 'T' })).lastProcessedAt).toBe('T');
  });
});
