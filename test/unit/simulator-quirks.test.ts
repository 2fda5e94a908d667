import { QUIRKS_OFF, quirksError, shortPageLimit, swapAdjacentPairs, withQuirks } from '../../dev/simulator/quirks';
import type { StoredEvent } from '../../dev/simulator/store';

const at = (processedAtMs: number, id = `e${processedAtMs}`) => ({ id, processedAtMs }) as StoredEvent;
const ms = (page: StoredEvent[]) => page.map((e) => e.processedAtMs);

describe('swapAdjacentPairs', () => {
  it('swaps every 7th adjacent pair, so T+7 comes before T+6', () => {
    const page = Array.from({ length: 20 }, (_, n) => at(n + 1));
    expect(ms(swapAdjacentPairs(page))).toEqual([1, 2, 3, 4, 5, 6, 8, 7, 9, 10, 11, 12, 13, 14, 16, 15, 17, 18, 19, 20]);
    expect(ms(page)).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
  });

  it('counts only pairs whose processedAt differ and never swaps within a millisecond', () => {
    const page = [1, 2, 2, 2, 3, 4, 5, 6, 7, 8, 9].map((t, n) => at(t, `e${n}`));
    expect(swapAdjacentPairs(page).map((e) => e.id)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e9', 'e8', 'e10']);
    const oneMs = [5, 5, 5, 5, 5, 5, 5, 5, 5].map((t, n) => at(t, `e${n}`));
    expect(swapAdjacentPairs(oneMs)).toEqual(oneMs);
  });
});

test('shortPageLimit halves every 3rd page, rounding up', () => {
  expect([1, 2, 3, 4, 5, 6].map((pageNumber) => shortPageLimit({ limit: 10, pageNumber }))).toEqual([10, 10, 5, 10, 10, 5]);
  expect(shortPageLimit({ limit: 3, pageNumber: 3 })).toBe(2);
  expect(shortPageLimit({ limit: 1, pageNumber: 3 })).toBe(1);
});

describe('quirk settings', () => {
  it('are all off by default and change only what a body sets', () => {
    expect(QUIRKS_OFF).toEqual({ visibilityDelayMs: 0, outOfOrderInPage: false, cursorDropsTo: false, shortPagesMidWindow: false });
    expect(withQuirks(QUIRKS_OFF, { visibilityDelayMs: 500, cursorDropsTo: true })).toEqual({
      ...QUIRKS_OFF,
      visibilityDelayMs: 500,
      cursorDropsTo: true,
    });
  });

  it.each([
    [{ visibilityDelayMs: -1 }, 'visibilityDelayMs must be a whole number of milliseconds >= 0'],
    [{ visibilityDelayMs: '5' }, 'visibilityDelayMs must be a whole number of milliseconds >= 0'],
    [{ outOfOrderInPage: 1 }, 'outOfOrderInPage must be true or false'],
    [{ cursorDropsTo: 'yes' }, 'cursorDropsTo must be true or false'],
    [{ shortPagesMidWindow: null }, 'shortPagesMidWindow must be true or false'],
  ])('refuses %j', (body, message) => {
    expect(quirksError(body)).toBe(message);
  });
});
