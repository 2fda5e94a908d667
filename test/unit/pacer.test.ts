import { createPacer } from '../../src/atlassian/pacer';

/** Lets queued promise callbacks run without moving the (fake) clock. */
const settle = () => jest.advanceTimersByTimeAsync(0);

function tracked(promise: Promise<void>) {
  const state = { done: false };
  void promise.then(() => (state.done = true));
  return state;
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

    await jest.advanceTimersByTimeAsync(999);
    expect(fourth.done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(fourth.done).toBe(true);
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
