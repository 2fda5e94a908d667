import { parsePacedOptions } from '../../dev/bench/paced/main';
import { firesIn, requestFigures, scheduledFromId } from '../../dev/bench/paced/stats';
import type { SimulatorStats } from '../../dev/simulator/server';

describe('paced benchmark', () => {
  test('options: defaults, and a bad value names the option', () => {
    expect(parsePacedOptions([])).toMatchObject({ events: 200_000, backfillDays: 7, concurrency: 4, liveInterval: '1m', write: true });
    expect(parsePacedOptions(['--help'])).toBeUndefined();
    expect(() => parsePacedOptions(['--concurrency', '0'])).toThrow(/--concurrency must be a whole number from 1 to 16, not '0'/);
    expect(() => parsePacedOptions(['--live-interval', '30s'])).toThrow(/--live-interval must be a duration of 1m or more/);
  });

  test('requests a minute count only whole minutes inside the window, less the 429s', () => {
    const stats: SimulatorStats = {
      requests: { 'events-stream': 130 },
      rateLimited: { 'events-stream': 2 },
      minutes: {
        '2026-12-01T10:00Z': { 'events-stream': { requests: 30, rateLimited: 0 } },
        '2026-12-01T10:01Z': { 'events-stream': { requests: 50, rateLimited: 2 } },
        '2026-12-01T10:02Z': { 'events-stream': { requests: 50, rateLimited: 0 } },
      },
    };
    const window = { fromMs: Date.parse('2026-12-01T10:00:30Z'), toMs: Date.parse('2026-12-01T10:03:00Z') };
    const figures = requestFigures({ stats, before: { requests: 0, rateLimited: 0 }, window });
    expect(figures).toMatchObject({ requests: 130, rateLimited: 2, wholeMinutes: 2, perMinute: 49 });
    expect(figures.minutes).toHaveLength(3);
  });

  test('a scheduled run is known by its ID; a schedule at an offset fires once a minute', () => {
    expect(scheduledFromId('collect-paced-live-2026-12-01T18:42:47Z')).toBe(Date.parse('2026-12-01T18:42:47Z'));
    expect(scheduledFromId('collect-paced-live-manual')).toBeUndefined();
    const fromMs = Date.parse('2026-12-01T10:00:00Z');
    expect(firesIn({ fromMs, toMs: fromMs + 5 * 60_000, intervalMs: 60_000, phaseMs: 47_000 })).toBe(5);
  });
});
