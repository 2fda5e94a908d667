// Paces requests per key (an Atlassian org) below the API's limit, so 429s are the exception.

export interface Pacer {
  /** Resolves when one more request for `key` may go out. */
  take(key: string): Promise<void>;
}

/** A token bucket per key: `perMinute` requests a minute on average, bursts up to `burst`. */
export function createPacer(params: { perMinute: number; burst: number; now?: () => number }): Pacer {
  const now = params.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number; queue: Promise<void> }>();
  const refillPerMs = params.perMinute / 60_000;
  return {
    take(key: string): Promise<void> {
      if (params.perMinute <= 0) return Promise.resolve();
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = { tokens: params.burst, at: now(), queue: Promise.resolve() };
        buckets.set(key, bucket);
      }
      const b = bucket;
      // Callers queue behind each other so that concurrent activities share one budget in order.
      b.queue = b.queue.then(async () => {
        const t = now();
        b.tokens = Math.min(params.burst, b.tokens + (t - b.at) * refillPerMs);
        b.at = t;
        if (b.tokens < 1) {
          const waitMs = Math.ceil((1 - b.tokens) / refillPerMs);
          await new Promise((resolve) => setTimeout(resolve, waitMs));
          b.tokens = 1;
          b.at = now();
        }
        b.tokens -= 1;
      });
      return b.queue;
    },
  };
}
