// Paces requests per key (an Atlassian org) below the API's limit, so 429s are the exception.
// Live collection and backfills share one budget per org; live requests go first, so a backfill
// at any concurrency only uses what live collection leaves.

/** `live` requests are served before any waiting `backfill` request. */
export type Priority = 'live' | 'backfill';

export interface Pacer {
  /** Resolves when one more request for `key` may go out. */
  take(key: string, priority?: Priority): Promise<void>;
}

interface Bucket {
  tokens: number;
  at: number;
  waiting: Record<Priority, Array<() => void>>;
  timer: boolean;
}

/** A token bucket per key: `perMinute` requests a minute on average, bursts up to `burst`. */
export function createPacer(params: { perMinute: number; burst: number; now?: () => number }): Pacer {
  const now = params.now ?? Date.now;
  const buckets = new Map<string, Bucket>();
  const refillPerMs = params.perMinute / 60_000;

  function refill(b: Bucket): void {
    const t = now();
    b.tokens = Math.min(params.burst, b.tokens + (t - b.at) * refillPerMs);
    b.at = t;
  }

  /** Hands out the tokens there are, live first and in arrival order, then waits for the next one. */
  function serve(b: Bucket): void {
    refill(b);
    for (;;) {
      const next = b.waiting.live.length > 0 ? b.waiting.live : b.waiting.backfill;
      if (next.length === 0 || b.tokens < 1) break;
      b.tokens -= 1;
      next.shift()!();
    }
    if (b.timer || (b.waiting.live.length === 0 && b.waiting.backfill.length === 0)) return;
    b.timer = true;
    const waitMs = Math.ceil((1 - b.tokens) / refillPerMs);
    setTimeout(() => {
      b.timer = false;
      refill(b);
      // The timer waited for a whole token even if the clock it was given lags behind.
      b.tokens = Math.max(b.tokens, 1);
      serve(b);
    }, waitMs);
  }

  return {
    take(key: string, priority: Priority = 'live'): Promise<void> {
      if (params.perMinute <= 0) return Promise.resolve();
      let b = buckets.get(key);
      if (!b) {
        b = { tokens: params.burst, at: now(), waiting: { live: [], backfill: [] }, timer: false };
        buckets.set(key, b);
      }
      const bucket = b;
      return new Promise<void>((resolve) => {
        bucket.waiting[priority].push(resolve);
        if (!bucket.timer) serve(bucket);
      });
    },
  };
}
