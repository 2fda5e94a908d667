import { judgeHealth, type HealthInput } from '../../src/client/status/health';
import { carryHealth, eventsLastDay } from '../../src/model/health';
import { ruleIdOfWorkflowId } from '../../src/model/ids';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-03-10T12:30:00Z');

function input(overrides: Partial<HealthInput> = {}): HealthInput {
  return {
    nowMs: NOW,
    paused: false,
    pauseNote: null,
    createdAt: new Date(NOW - 30 * DAY).toISOString(),
    lastProcessedAt: new Date(NOW - 90_000).toISOString(),
    lastSuccess: {
      closedAt: new Date(NOW - 60_000).toISOString(),
      events: 10,
      health: carryHealth({ previous: undefined, nowMs: NOW - 60_000, events: 10 }),
    },
    failure: null,
    retrying: null,
    ...overrides,
  };
}

describe('carryHealth', () => {
  test('adds events to their hour and drops hours older than a day', () => {
    let health = carryHealth({ previous: undefined, nowMs: NOW - 25 * HOUR, events: 100 });
    health = carryHealth({ previous: health, nowMs: NOW - 2 * HOUR, events: 7 });
    health = carryHealth({ previous: health, nowMs: NOW - 2 * HOUR + 60_000, events: 3 });
    health = carryHealth({ previous: health, nowMs: NOW, events: 5 });
    expect(health.hourlyEvents).toEqual([
      [Date.parse('2026-03-10T10:00:00Z'), 10],
      [Date.parse('2026-03-10T12:00:00Z'), 5],
    ]);
    expect(eventsLastDay(health, NOW)).toBe(15);
    expect(health.lastWrittenAt).toBe(new Date(NOW).toISOString());
  });

  test('a run that wrote nothing keeps the previous lastWrittenAt', () => {
    const before = carryHealth({ previous: undefined, nowMs: NOW - HOUR, events: 4 });
    const after = carryHealth({ previous: before, nowMs: NOW, events: 0 });
    expect(after.lastWrittenAt).toBe(before.lastWrittenAt);
    expect(eventsLastDay(after, NOW)).toBe(4);
  });
});

describe('judgeHealth', () => {
  test('a rule that ran a minute ago is ok, with its lag and events in the last day', () => {
    const h = judgeHealth(input());
    expect(h.state).toBe('ok');
    expect(h.lagSeconds).toBe(90);
    expect(h.eventsLast24h).toBe(10);
    expect(h.warnings).toEqual([]);
  });

  test('a failed run makes the rule failing, with the error class, message and pause reason', () => {
    const failure = {
      type: 'AtlassianUnauthorized',
      message: 'rule r: 401; fix the key, then resume the rule',
      at: new Date(NOW).toISOString(),
    };
    const h = judgeHealth(input({ paused: true, pauseNote: failure.message, failure }));
    expect(h.state).toBe('failing');
    expect(h.lastError).toEqual(failure);
    expect(h.pauseReason).toBe(failure.message);
    expect(h.warnings[0]).toContain('last run failed (AtlassianUnauthorized)');
  });

  test('an operator pause is paused, not failing', () => {
    const h = judgeHealth(input({ paused: true, pauseNote: 'rotating the key' }));
    expect(h.state).toBe('paused');
    expect(h.pauseReason).toBe('rotating the key');
  });

  test('a batch retried a few times is a warning; once or twice is not', () => {
    const retrying = { type: 'AtlassianServerError', message: 'answered 503; retrying', at: new Date(NOW).toISOString() };
    expect(judgeHealth(input({ retrying: { ...retrying, attempt: 2 } })).state).toBe('ok');
    const h = judgeHealth(input({ retrying: { ...retrying, attempt: 5 } }));
    expect(h.state).toBe('warning');
    expect(h.lastError?.attempt).toBe(5);
    expect(h.warnings[0]).toMatch(/attempt 5 \(AtlassianServerError\)/);
  });

  test('warns within 14 days of the API key expiring, and once it has expired', () => {
    expect(judgeHealth(input({ apiKeyExpiresAt: new Date(NOW + 20 * DAY).toISOString() })).warnings).toEqual([]);
    const soon = judgeHealth(input({ apiKeyExpiresAt: new Date(NOW + 13.5 * DAY).toISOString() }));
    expect(soon.apiKeyExpiresInDays).toBe(13);
    expect(soon.warnings).toEqual([expect.stringMatching(/^the API key expires in 13 days/)]);
    const gone = judgeHealth(input({ apiKeyExpiresAt: new Date(NOW - DAY).toISOString() }));
    expect(gone.warnings).toEqual([expect.stringMatching(/^the API key expired on/)]);
  });

  test('warns when nothing was written for longer than the window, counted from creation when never', () => {
    const quiet = carryHealth({ previous: undefined, nowMs: NOW - 30 * HOUR, events: 5 });
    const h = judgeHealth(input({ lastSuccess: { closedAt: new Date(NOW - 60_000).toISOString(), events: 0, health: quiet } }));
    expect(h.warnings).toEqual([expect.stringMatching(/^no data written for 30h \(warnNoDataAfter 24h\)/)]);
    expect(judgeHealth(input({ lastSuccess: { closedAt: null, events: 0, health: quiet }, warnNoDataAfter: '2d' })).warnings).toEqual([]);
    const never = judgeHealth(
      input({ lastSuccess: null, lastProcessedAt: null, createdAt: new Date(NOW - 3 * HOUR).toISOString(), warnNoDataAfter: '1h' }),
    );
    expect(never.warnings).toEqual([expect.stringMatching(/^no data written for 3h \(warnNoDataAfter 1h\)/)]);
    expect(never.lagSeconds).toBeNull();
    expect(never.lastSuccessAt).toBeNull();
  });
});

describe('judgeHealth: a batch that keeps retrying', () => {
  const MINUTE = 60_000;
  const retryingSince = (ms: number) => ({
    type: 'NetworkError',
    message: 'GET events-stream of Atlassian org o failed: ECONNREFUSED; retrying',
    at: new Date(NOW - ms).toISOString(),
    attempt: 9,
  });

  test('just under two intervals it is a warning (attempts), not failing', () => {
    const h = judgeHealth(input({ interval: '5m', retrying: retryingSince(10 * MINUTE - 1_000) }));
    expect(h.state).toBe('warning');
    expect(h.retryingForSeconds).toBe(599);
    expect(h.warnings[0]).toMatch(/^a batch is on attempt 9/);
  });

  test('just over two intervals it is failing, saying for how long and why', () => {
    const h = judgeHealth(input({ interval: '5m', retrying: retryingSince(10 * MINUTE + 1_000) }));
    expect(h.state).toBe('failing');
    expect(h.retryingForSeconds).toBe(601);
    expect(h.lastError).toMatchObject({ type: 'NetworkError', attempt: 9 });
    expect(h.warnings[0]).toBe('retrying for 10m (NetworkError): GET events-stream of Atlassian org o failed: ECONNREFUSED; retrying');
  });

  test('failing even on an early attempt (slow attempts), and even when an operator paused the schedule', () => {
    expect(judgeHealth(input({ interval: '1m', retrying: { ...retryingSince(3 * MINUTE), attempt: 2 } })).state).toBe('failing');
    expect(judgeHealth(input({ interval: '1m', paused: true, pauseNote: 'x', retrying: retryingSince(3 * MINUTE) })).state).toBe('failing');
  });

  test('without a known interval only the attempts warn', () => {
    expect(judgeHealth(input({ retrying: retryingSince(DAY) })).state).toBe('warning');
    expect(judgeHealth(input({ interval: 'often', retrying: retryingSince(DAY) })).state).toBe('warning');
  });

  test('a failed last run still reads as failed, not as retrying', () => {
    const failure = { type: 'S3AccessDenied', message: 'denied', at: new Date(NOW).toISOString() };
    const h = judgeHealth(input({ interval: '1m', failure, retrying: null }));
    expect(h.warnings[0]).toMatch(/^last run failed/);
    expect(h.retryingForSeconds).toBeNull();
  });
});

test('ruleIdOfWorkflowId reads the rule back from a schedule-started workflow ID', () => {
  expect(ruleIdOfWorkflowId('collect-acme-audit-2026-03-10T12:30:00Z')).toBe('acme-audit');
  expect(ruleIdOfWorkflowId('something-else')).toBeUndefined();
});
