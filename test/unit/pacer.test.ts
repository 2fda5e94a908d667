// covers: src/atlassian/pacer.ts, src/atlassian/org-budget.ts
import { waitMs, type OrgBudget } from '../../src/atlassian/org-budget';
import { createPacer } from '../../src/atlassian/pacer';
import { MAX_RETRY_DELAY_MS, boundedWaitMs } from '../../src/atlassian/retry-delay';

/** Lets queued promise callbacks run without moving the (fake) clock. */
const settle = () => jest.advanceTimersByTimeAsync(0);

function tracked(promise: Promise<void>) {
  const state = { done: false };
  void promise.then(() => (state.done = true));
  return state;
}

/** Advances the (fake) clock to 1 ms short of `ms`, when `call` still waits, then to `ms`, when it is done. */
async function expectDoneAfter(call: { done: boolean }, ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms - 1);
  expect(call.done).toBe(false);
  await jest.advanceTimersByTimeAsync(1);
  expect(call.done).toBe(true);
}

describe('createPacer', () => {
  let nowMs: number;
  const now = () => nowMs;

  beforeEach(() => {
    jest.useFakeTimers();
    nowMs = 1_000_000;
  });
  afterEach(() => jest.useRealTimers());

  it('never waits with perMinute 0', async () => {
    const pacer = createPacer({ perMinute: 0, burst: 1, now });
    const calls = Array.from({ length: 100 }, () => tracked(pacer.take('org')));
    await settle();
    expect(calls.every((c) => c.done)).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('lets a burst through at once, then makes the next request wait for a token', async () => {
    const pacer = createPacer({ perMinute: 60, burst: 3, now }); // one token a second
    const burst = [1, 2, 3].map(() => tracked(pacer.take('org')));
    const fourth = tracked(pacer.take('org'));
    await settle();
    expect(burst.every((c) => c.done)).toBe(true);
    expect(fourth.done).toBe(false);

    await expectDoneAfter(fourth, 1_000);
  });

  it('refills with the clock: after a minute the full burst is available again', async () => {
    const pacer = createPacer({ perMinute: 60, burst: 2, now });
    await Promise.all([pacer.take('org'), pacer.take('org')]);
    nowMs += 60_000;
    const again = [tracked(pacer.take('org')), tracked(pacer.take('org'))];
    await settle();
    expect(again.every((c) => c.done)).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps a separate budget per key', async () => {
    const pacer = createPacer({ perMinute: 60, burst: 1, now });
    await pacer.take('org-a');
    const a = tracked(pacer.take('org-a'));
    const b = tracked(pacer.take('org-b'));
    await settle();
    expect(a.done).toBe(false);
    expect(b.done).toBe(true);
  });

  // Priorities: live requests go before waiting backfill requests.
  it('serves a live request before backfill requests that were waiting longer', async () => {
    const pacer = createPacer({ perMinute: 60, burst: 1, now }); // one token a second
    const order: string[] = [];
    const take = (name: string, priority: 'live' | 'backfill') => void pacer.take('org', priority).then(() => order.push(name));
    take('b1', 'backfill');
    take('b2', 'backfill');
    take('b3', 'backfill');
    take('b4', 'backfill');
    await settle();
    expect(order).toEqual(['b1']);
    take('live', 'live');
    await jest.advanceTimersByTimeAsync(1_000);
    expect(order).toEqual(['b1', 'live']);
    await jest.advanceTimersByTimeAsync(3_000);
    expect(order).toEqual(['b1', 'live', 'b2', 'b3', 'b4']);
  });

  it('gives a backfill the whole budget when no live request waits', async () => {
    const pacer = createPacer({ perMinute: 60, burst: 2, now });
    let served = 0;
    for (let n = 0; n < 5; n++) void pacer.take('org', 'backfill').then(() => (served += 1));
    await settle();
    expect(served).toBe(2);
    await jest.advanceTimersByTimeAsync(3_000);
    expect(served).toBe(5);
  });

  it('takes requests without a priority as live', async () => {
    const pacer = createPacer({ perMinute: 60, burst: 1, now });
    const order: string[] = [];
    void pacer.take('org', 'backfill').then(() => order.push('b1'));
    void pacer.take('org', 'backfill').then(() => order.push('b2'));
    void pacer.take('org').then(() => order.push('default'));
    await jest.advanceTimersByTimeAsync(2_000);
    expect(order).toEqual(['b1', 'default', 'b2']);
  });
});

// The org's budget as the API reports it on every response: what several workers share.
describe('createPacer with the API budget headers', () => {
  const T0 = Date.parse('2026-05-19T10:00:30Z');
  const budget = (params: { remaining: number; reset: string; limit?: number }) => ({
    'x-ratelimit-limit': String(params.limit ?? 50),
    'x-ratelimit-remaining': String(params.remaining),
    'x-ratelimit-reset': params.reset,
  });
  /** The injected clock is jest's fake one, so that it moves as the timers fire. */
  const paced = () => createPacer({ perMinute: 50, burst: 10, now: () => Date.now(), random: () => 0.5 });
  const at = () => Date.now() - T0;
  /** Readings as this process alone would see them: Remaining falls by its own requests only. */
  function alone(pacer: ReturnType<typeof createPacer>, params: { downTo: number; reset: string }) {
    for (let remaining = 49; remaining >= params.downTo; remaining--)
      pacer.observe({ key: 'org', status: 200, headers: budget({ remaining, reset: params.reset }) });
  }

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
  });
  afterEach(() => jest.useRealTimers());

  it('spreads what remains evenly over the time until the reset', async () => {
    const pacer = paced();
    await pacer.take('org');
    // One of 6 used, by this process alone: 5 left until 10:01:00, 30 s away.
    pacer.observe({ key: 'org', status: 200, headers: budget({ limit: 6, remaining: 5, reset: '2026-05-19T10:01Z' }) });
    const times: number[] = [];
    for (let n = 0; n < 4; n++) void pacer.take('org').then(() => times.push(at()));
    await jest.advanceTimersByTimeAsync(29_000);
    expect(times).toEqual([0, 7_500, 15_000, 22_500]);
  });

  it('waits for the reset, and a little more, once Remaining is 0 on a 200', async () => {
    const pacer = paced();
    pacer.observe({ key: 'org', status: 200, headers: budget({ remaining: 0, reset: '2026-05-19T10:01Z' }) });
    const next = tracked(pacer.take('org'));
    await expectDoneAfter(next, 30_500);
  });

  it.each([
    ['a minute-precision reset (the start of that minute)', { 'x-ratelimit-reset': '2026-05-19T10:01Z' }, 30_000],
    ['a seconds-precision reset', { 'x-ratelimit-reset': '2026-05-19T10:00:42Z' }, 12_000],
    ['an epoch-seconds reset', { 'x-ratelimit-reset': String(T0 / 1000 + 20) }, 20_000],
    ['Retry-After before the reset', { 'x-ratelimit-reset': '2026-05-19T10:01Z', 'retry-after': '5' }, 5_000],
    ['no header at all: 30 s', {}, 30_000],
  ])('holds every request back after a 429 until %s', async (_name, headers, resetMs) => {
    const pacer = paced();
    pacer.observe({ key: 'org', status: 429, headers });
    const live = tracked(pacer.take('org'));
    const other = tracked(pacer.take('org-b'));
    await jest.advanceTimersByTimeAsync(resetMs + 499);
    expect(live.done).toBe(false);
    expect(other.done).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    expect(live.done).toBe(true);
  });

  it('reads a minute-precision reset whose minute has just begun as the window that just ended', async () => {
    const pacer = paced();
    // Sent at 10:00:59.9 in the window ending at 10:01:00 and read at 10:01:00.2 (T0 + 30.2 s).
    await jest.advanceTimersByTimeAsync(30_200);
    pacer.observe({ key: 'org', status: 200, headers: budget({ remaining: 0, reset: '2026-05-19T10:01Z' }) });
    expect(await Promise.race([pacer.take('org').then(() => 'now'), settle().then(() => 'waits')])).toBe('now');
    // Read 10 s into that minute, the same header means the window ends at 10:02:00.
    await jest.advanceTimersByTimeAsync(9_800);
    pacer.observe({ key: 'org-b', status: 200, headers: budget({ remaining: 0, reset: '2026-05-19T10:01Z' }) });
    const later = tracked(pacer.take('org-b'));
    await expectDoneAfter(later, 50_500);
  });

  it('after the reset the window is whole again, spread over the next minute', async () => {
    const pacer = paced();
    alone(pacer, { downTo: 0, reset: '2026-05-19T10:01Z' });
    const times: number[] = [];
    for (let n = 0; n < 3; n++) void pacer.take('org').then(() => times.push(at()));
    await jest.advanceTimersByTimeAsync(33_000);
    // The rest of the 50 in the minute to 10:02:00, this process's share being all of it: ≈ 1.2 s apart.
    expect(times).toHaveLength(3);
    expect(times[0]).toBe(30_500);
    for (const gap of [times[1]! - times[0]!, times[2]! - times[1]!]) expect(Math.abs(gap - 1_215)).toBeLessThan(10);
  });

  it('slows down when Remaining falls faster than its own requests: others spend the same budget', async () => {
    const reset = '2026-05-19T10:01Z';
    const single = paced();
    alone(single, { downTo: 5, reset });
    // The same Remaining of 5, but 43 of the 45 went to other workers: its share is under one request.
    const shared = paced();
    shared.observe({ key: 'org', status: 200, headers: budget({ remaining: 30, reset }) });
    shared.observe({ key: 'org', status: 200, headers: budget({ remaining: 5, reset }) });
    const a = tracked(single.take('org'));
    const s = tracked(shared.take('org'));
    await settle();
    expect(a.done).toBe(true);
    expect(s.done).toBe(false);
    await jest.advanceTimersByTimeAsync(30_500);
    expect(s.done).toBe(true);
  });

  it('after an idle spell, what others sent meanwhile does not count against its share', async () => {
    const reset = '2026-05-19T10:01Z';
    const pacer = paced();
    alone(pacer, { downTo: 40, reset });
    await pacer.take('org');
    pacer.observe({ key: 'org', status: 200, headers: budget({ remaining: 39, reset }) });
    // Idle for 10 s (between two runs), while other workers spend 36 of the 39 left.
    await jest.advanceTimersByTimeAsync(10_000);
    await pacer.take('org');
    pacer.observe({ key: 'org', status: 200, headers: budget({ remaining: 2, reset }) });
    // Its share is still all of what is left: the 2 spread over the 20 s to the reset, not a wait for it.
    const next = tracked(pacer.take('org'));
    await expectDoneAfter(next, 10_000);
  });

  it('ignores headers that carry no budget: a Limit of 0 (no limit in force), or no Remaining', async () => {
    const pacer = paced();
    pacer.observe({ key: 'org', status: 200, headers: budget({ limit: 0, remaining: 0, reset: '2026-05-19T10:01Z' }) });
    pacer.observe({ key: 'org', status: 200, headers: { 'x-ratelimit-reset': '2026-05-19T10:01Z' } });
    const calls = Array.from({ length: 10 }, () => tracked(pacer.take('org')));
    await settle();
    expect(calls.every((c) => c.done)).toBe(true);
  });

  it('with perMinute 0 ignores the headers too', async () => {
    const pacer = createPacer({ perMinute: 0, burst: 1, now: () => Date.now() });
    pacer.observe({ key: 'org', status: 429, headers: budget({ remaining: 0, reset: '2026-05-19T10:01Z' }) });
    const next = tracked(pacer.take('org'));
    await settle();
    expect(next.done).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('still serves live requests before backfill requests when the budget frees a turn', async () => {
    const pacer = paced();
    alone(pacer, { downTo: 0, reset: '2026-05-19T10:01Z' });
    const order: string[] = [];
    void pacer.take('org', 'backfill').then(() => order.push('backfill'));
    void pacer.take('org', 'live').then(() => order.push('live'));
    await jest.advanceTimersByTimeAsync(30_500);
    expect(order).toEqual(['live']);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(order).toEqual(['live', 'backfill']);
  });

  it('after a storm of 429s (a site API, which sends no budget on its 200s) paces as before once Retry-After has passed', async () => {
    const pacer = paced();
    const limited = { ...budget({ limit: 100, remaining: 0, reset: '2026-05-19T10:01Z' }), 'retry-after': '1' };
    for (let n = 0; n < 6; n++) {
      const turn = tracked(pacer.take('site'));
      await jest.advanceTimersByTimeAsync(2_000);
      expect(turn.done).toBe(true);
      pacer.observe({ key: 'site', status: 429, headers: limited });
    }
    // Those 429s were this process's own, not a sign of other workers: what follows is not rationed to a request or two a minute.
    const start = at();
    const times: number[] = [];
    for (let n = 0; n < 5; n++) void pacer.take('site').then(() => times.push(at() - start));
    await jest.advanceTimersByTimeAsync(10_000);
    expect(times).toHaveLength(5);
    expect(times[0]).toBeGreaterThanOrEqual(1_000);
  });

  it('takes an earlier turn at once when a reading moves it', async () => {
    const pacer = paced();
    pacer.observe({ key: 'org', status: 429, headers: { 'retry-after': '60' } });
    const next = tracked(pacer.take('org'));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(next.done).toBe(false);
    // Another worker's request was answered: the window has budget again.
    pacer.observe({ key: 'org', status: 200, headers: budget({ remaining: 40, reset: '2026-05-19T10:02Z' }) });
    await settle();
    expect(next.done).toBe(true);
  });

  // Three workers, each with its own pacer and two request loops, against one org's fixed
  // one-minute windows of 50 requests that answer 429 beyond them, as the simulator does.
  it('three workers converge on the org limit: no 429, nearly all of the budget used', async () => {
    const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16) + 'Z';
    const windows = new Map<string, { served: number; refused: number }>();
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const endMs = T0 + 4 * 60_000;
    let seed = 7;
    const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
    async function loop(pacer: ReturnType<typeof createPacer>) {
      for (let n = 0; n < 1_000 && Date.now() < endMs; n++) {
        await pacer.take('org');
        await sleep(20 + random() * 150);
        const w = windows.get(stamp(Date.now())) ?? { served: 0, refused: 0 };
        windows.set(stamp(Date.now()), w);
        const status = w.served < 50 ? 200 : 429;
        if (status === 200) w.served += 1;
        else w.refused += 1;
        const headers = budget({ remaining: Math.max(50 - w.served - w.refused, 0), reset: stamp(Date.now() + 60_000) });
        await sleep(20 + random() * 100);
        pacer.observe({ key: 'org', status, headers });
        await sleep(status === 429 ? 30_000 : 30 + random() * 300);
      }
    }
    const workers = [1, 2, 3].map(() => createPacer({ perMinute: 50, burst: 10, now: () => Date.now(), random }));
    const loops = workers.flatMap((pacer) => [loop(pacer), loop(pacer)]);
    await jest.advanceTimersByTimeAsync(4 * 60_000 + 60_000);
    await Promise.all(loops);
    const full = [...windows.entries()].filter(
      ([minute]) => Date.parse(minute.replace('Z', ':00Z')) >= T0 && Date.parse(minute.replace('Z', ':00Z')) + 60_000 <= endMs,
    );
    expect(full.length).toBe(3);
    expect([...windows.values()].reduce((sum, w) => sum + w.refused, 0)).toBe(0);
    for (const [, w] of full) expect(w.served).toBeGreaterThanOrEqual(47);
  });
});

// Whatever the headers say, no wait is longer than MAX_RETRY_DELAY_MS, and no timer is given more
// than 2^31-1 ms or NaN (Node would run it after 1 ms: a busy loop).
describe('bounded waits', () => {
  const T0 = Date.parse('2026-05-19T10:00:30Z');
  const paced = () => createPacer({ perMinute: 50, burst: 10, now: () => Date.now(), random: () => 0.5 });
  let delays: unknown[];

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    delays = [];
    const fake = global.setTimeout;
    jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      delays.push(ms);
      return fake(fn, ms);
    }) as typeof setTimeout);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it.each([
    [
      'a 200 with nothing left and a reset in 2099',
      200,
      { 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2099-01-01T00:00Z' },
    ],
    [
      'a 200 with nothing left and an epoch reset in 2286',
      200,
      { 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '9999999999999' },
    ],
    ['a 429 with a reset in 2099', 429, { 'x-ratelimit-reset': '2099-01-01T00:00:00Z' }],
    ['a 429 with a Retry-After of 3,000 years', 429, { 'retry-after': '99999999999' }],
  ])('%s: the request waits MAX_RETRY_DELAY_MS, on one timer', async (_name, status, headers) => {
    const pacer = paced();
    pacer.observe({ key: 'org', status, headers });
    const next = tracked(pacer.take('org'));
    await expectDoneAfter(next, MAX_RETRY_DELAY_MS);
    expect(delays).toEqual([MAX_RETRY_DELAY_MS]);
  });

  it('spreads what remains until a bogus reset over MAX_RETRY_DELAY_MS, not until 2099', async () => {
    const pacer = paced();
    pacer.observe({
      key: 'org',
      status: 200,
      headers: { 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '41', 'x-ratelimit-reset': '2099-01-01T00:00Z' },
    });
    await pacer.take('org');
    // 40 left after that one, spread evenly over the 5 minutes the reset is taken to be away.
    const next = tracked(pacer.take('org'));
    await expectDoneAfter(next, MAX_RETRY_DELAY_MS / 40);
  });

  it('a budget whose numbers went bad waits the longest, never NaN', () => {
    const budget: OrgBudget = {
      remaining: 10,
      limit: 50,
      resetAt: Number.NaN,
      sentSince: 0,
      lastSentAt: T0,
      used: 0,
      mine: 0,
      all: 0,
      fadedAt: T0,
      rebase: false,
      jitter: 0.5,
    };
    expect(waitMs({ budget, nowMs: T0 })).toBe(MAX_RETRY_DELAY_MS);
    expect(waitMs({ budget: { ...budget, resetAt: Number.POSITIVE_INFINITY, remaining: 0 }, nowMs: T0 })).toBe(MAX_RETRY_DELAY_MS);
  });

  it.each([
    [Number.NaN, MAX_RETRY_DELAY_MS],
    [Number.POSITIVE_INFINITY, MAX_RETRY_DELAY_MS],
    [2 ** 31, MAX_RETRY_DELAY_MS],
    [-5, 0],
    [1_234, 1_234],
  ])('boundedWaitMs(%d) is %d', (ms, expected) => {
    expect(boundedWaitMs(ms)).toBe(expected);
  });

  it('MAX_RETRY_DELAY_MS fits a timer', () => {
    expect(MAX_RETRY_DELAY_MS).toBeLessThanOrEqual(2 ** 31 - 1);
  });
});
