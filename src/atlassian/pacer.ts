// Paces requests per key (an Atlassian org) below the API's limit, so 429s are the exception.
// Two gates, both per org: a token bucket for this process (at most `perMinute`), and the org's
// budget as the API reports it on every response (see org-budget.ts), which is what several
// workers on one org share. Live collection and backfills share both; live requests go first, so
// a backfill at any concurrency only uses what live collection leaves.
import { boundedWaitMs, type Headers } from './retry-delay';
import { noteIdle, noteSent, observe, readBudget, waitMs, type OrgBudget } from './org-budget';

/** `live` requests are served before any waiting `backfill` request. */
export type Priority = 'live' | 'backfill';

export interface Pacer {
  /** Resolves when one more request for `key` may go out. */
  take(key: string, priority?: Priority): Promise<void>;
  /** Tells the pacer what a response for `key` said about the budget (its X-RateLimit-* headers). */
  observe(params: { key: string; status: number; headers: Headers }): void;
}

interface Bucket {
  tokens: number;
  at: number;
  waiting: Record<Priority, Array<() => void>>;
  timer: ReturnType<typeof setTimeout> | undefined;
  budget: OrgBudget | undefined;
  /** Since when nothing has waited (undefined while something does). */
  emptySince: number | undefined;
}

/** What a 429 without Retry-After or a reset header holds the org's requests back for. */
const RATE_LIMITED_FALLBACK_MS = 30_000;
/** Nothing asked for this long: idle (between runs), not between two pages of one. */
const IDLE_MS = 5_000;

/**
 * A token bucket per key (`perMinute` requests a minute on average, bursts up to `burst`), and the
 * API's reported budget per key; `perMinute` 0 turns both off.
 */
export function createPacer(params: { perMinute: number; burst: number; now?: () => number; random?: () => number }): Pacer {
  const now = params.now ?? Date.now;
  const random = params.random ?? Math.random;
  const buckets = new Map<string, Bucket>();
  const refillPerMs = params.perMinute / 60_000;

  function bucketOf(key: string): Bucket {
    let b = buckets.get(key);
    if (!b) {
      b = {
        tokens: params.burst,
        at: now(),
        waiting: { live: [], backfill: [] },
        timer: undefined,
        budget: undefined,
        emptySince: undefined,
      };
      buckets.set(key, b);
    }
    return b;
  }

  function refill(b: Bucket): void {
    const t = now();
    b.tokens = Math.min(params.burst, b.tokens + (t - b.at) * refillPerMs);
    b.at = t;
  }

  /** Hands out what both gates allow, live first and in arrival order, then waits for the next turn. */
  function serve(b: Bucket): void {
    if (b.timer !== undefined) clearTimeout(b.timer);
    b.timer = undefined;
    refill(b);
    let budgetWaitMs = 0;
    for (;;) {
      const next = b.waiting.live.length > 0 ? b.waiting.live : b.waiting.backfill;
      if (next.length === 0 || b.tokens < 1) break;
      budgetWaitMs = waitMs({ budget: b.budget, nowMs: now() });
      if (budgetWaitMs > 0) break;
      b.tokens -= 1;
      noteSent({ budget: b.budget, nowMs: now(), random });
      next.shift()!();
    }
    if (b.waiting.live.length === 0 && b.waiting.backfill.length === 0) {
      b.emptySince = now();
      return;
    }
    const tokenWaitMs = b.tokens < 1 ? Math.ceil((1 - b.tokens) / refillPerMs) : 0;
    const wait = boundedWaitMs(Math.max(tokenWaitMs, budgetWaitMs));
    b.timer = setTimeout(() => {
      b.timer = undefined;
      refill(b);
      // The timer waited for a whole token even if the clock it was given lags behind.
      if (tokenWaitMs > 0) b.tokens = Math.max(b.tokens, 1);
      serve(b);
    }, wait);
  }

  return {
    take(key: string, priority: Priority = 'live'): Promise<void> {
      if (params.perMinute <= 0) return Promise.resolve();
      const bucket = bucketOf(key);
      if (bucket.emptySince !== undefined && now() - bucket.emptySince > IDLE_MS) noteIdle(bucket.budget);
      bucket.emptySince = undefined;
      return new Promise<void>((resolve) => {
        bucket.waiting[priority].push(resolve);
        if (bucket.timer === undefined) serve(bucket);
      });
    },

    observe({ key, status, headers }) {
      if (params.perMinute <= 0) return;
      const nowMs = now();
      const reading = readBudget({ status, headers, nowMs, fallbackMs: RATE_LIMITED_FALLBACK_MS });
      if (!reading) return;
      const bucket = bucketOf(key);
      bucket.budget = observe({ budget: bucket.budget, reading, nowMs, defaultLimit: params.perMinute, random });
      // A waiting request's turn may have moved, earlier or later.
      if (bucket.timer !== undefined) serve(bucket);
    },
  };
}
