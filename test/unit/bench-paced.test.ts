import { commandOf, parsePacedOptions } from '../../dev/bench/paced/main';
import type { CatchupFigures } from '../../dev/bench/paced/catchup';
import { renderSiteTable, siteLines, siteRate, SITE_CEILING_RECORDS_PER_SECOND } from '../../dev/bench/paced/report';
import { firesIn, requestFigures, scheduledFromId, siteRequestFigures } from '../../dev/bench/paced/stats';
import type { SimulatorStats } from '../../dev/simulator/server';
import type { SiteStats } from '../../dev/simulator/site-server';

describe('paced benchmark', () => {
  test('options: defaults, and a bad value names the option', () => {
    expect(parsePacedOptions([])).toMatchObject({ events: 200_000, backfillDays: 7, concurrency: 4, liveInterval: '1m', write: true });
    expect(parsePacedOptions(['--help'])).toBeUndefined();
    expect(() => parsePacedOptions(['--concurrency', '0'])).toThrow(/--concurrency must be a whole number from 1 to 16, not '0'/);
    expect(() => parsePacedOptions(['--live-interval', '30s'])).toThrow(/--live-interval must be a duration of 1m or more/);
    expect(parsePacedOptions([])).toMatchObject({ siteRecords: 100_000, skipOrg: false });
    expect(parsePacedOptions(['--site-records', '0'])).toMatchObject({ siteRecords: 0 });
    expect(() => parsePacedOptions(['--site-records', '2000001'])).toThrow(/--site-records must be a whole number from 0/);
  });

  test('--skip-org writes nothing; the command names what differs from the defaults', () => {
    expect(parsePacedOptions(['--skip-org'])).toMatchObject({ skipOrg: true, write: false });
    expect(commandOf(parsePacedOptions([])!)).toBe('npm run bench -- --paced');
    expect(commandOf(parsePacedOptions(['--events', '20000', '--backfill-days', '1', '--site-records', '10000'])!)).toBe(
      'npm run bench -- --paced --events 20000 --backfill-days 1 --concurrency 4 --site-records 10000',
    );
    expect(commandOf(parsePacedOptions(['--skip-org', '--site-records', '5000'])!)).toMatch(/--site-records 5000 --skip-org$/);
  });

  test("the site's requests a minute come from its Jira counts only, whole minutes less the 429s", () => {
    const stats: SiteStats = {
      requests: { jira: 103, confluence: 7 },
      byStatus: { 200: 99, 429: 4 },
      rateLimited: { jira: 4 },
      minutes: {
        '2026-12-01T10:00Z': { jira: { requests: 52, rateLimited: 2 }, confluence: { requests: 7, rateLimited: 0 } },
        '2026-12-01T10:01Z': { jira: { requests: 51, rateLimited: 2 } },
      },
    };
    const window = { fromMs: Date.parse('2026-12-01T10:00:00Z'), toMs: Date.parse('2026-12-01T10:01:30Z') };
    const figures = siteRequestFigures({ stats, product: 'jira', before: { requests: 3, rateLimited: 0 }, window });
    expect(figures).toMatchObject({ requests: 100, rateLimited: 4, wholeMinutes: 1, perMinute: 50 });
    expect(figures.minutes).toEqual([
      { minute: '2026-12-01T10:00Z', served: 50, rateLimited: 2 },
      { minute: '2026-12-01T10:01Z', served: 49, rateLimited: 2 },
    ]);
  });

  test("the site's records a second are set against limit × records a page / 60", () => {
    expect(SITE_CEILING_RECORDS_PER_SECOND).toBeCloseTo(416.67, 2);
    const site: CatchupFigures = {
      events: 50_000,
      wallMs: 125_000,
      runs: 1,
      cpuSeconds: 3,
      peakRssBytes: 200e6,
      requests: { requests: 101, rateLimited: 0, wholeMinutes: 2, perMinute: 49.5, minutes: [] },
    };
    expect(siteRate(site).perSecond).toBe(400);
    expect(siteRate(site).share).toBeCloseTo(0.96, 5);
    expect(renderSiteTable(site)).toContain('| records/s vs ceiling | 400 records/s (96.0 % of 416.7) |');
    expect(siteLines(site)[0]).toContain('96.0 % of the site ceiling (50 × 500 / 60), 49.5 requests/min vs 50, 0 × 429');
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
