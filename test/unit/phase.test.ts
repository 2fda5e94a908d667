import { phaseOffsetMs } from '../../src/client/schedules/phase';

describe('phaseOffsetMs', () => {
  test('is a whole second within the interval, and the same for the same rule', () => {
    for (const ruleId of ['a', 'acme-audit', 'rule-499']) {
      const offset = phaseOffsetMs({ ruleId, intervalMs: 300_000 });
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(300_000);
      expect(offset % 1000).toBe(0);
      expect(phaseOffsetMs({ ruleId, intervalMs: 300_000 })).toBe(offset);
    }
  });

  test('spreads a fleet of rules evenly over a 5-minute interval', () => {
    const perMinute = [0, 0, 0, 0, 0];
    for (let n = 0; n < 500; n++) perMinute[Math.floor(phaseOffsetMs({ ruleId: `rule-${n}`, intervalMs: 300_000 }) / 60_000)]! += 1;
    // 100 a minute if perfectly even; a hash keeps every minute within a third of that.
    for (const count of perMinute) expect(Math.abs(count - 100)).toBeLessThan(34);
    const distinct = new Set(Array.from({ length: 500 }, (_, n) => phaseOffsetMs({ ruleId: `rule-${n}`, intervalMs: 300_000 })));
    expect(distinct.size).toBeGreaterThan(200);
  });

  test('a 1-second interval has no room for an offset', () => {
    expect(phaseOffsetMs({ ruleId: 'x', intervalMs: 1000 })).toBe(0);
  });
});
