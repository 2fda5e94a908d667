// When the worker counts as ready: it polls its task queue (state RUNNING, so not while starting or
// draining) and Temporal answers. The Temporal probe is cached, so frequent probes cost the server
// at most one call every few seconds.
import type { State } from '@temporalio/worker';
import type { Readiness } from './ops-server';

export function createReadiness(params: {
  /** The worker's state; undefined before the worker exists. */
  state: () => State | undefined;
  /** Resolves when Temporal answers a cheap call, rejects otherwise. */
  probeTemporal: () => Promise<unknown>;
  cacheMs?: number;
  now?: () => number;
}): () => Promise<Readiness> {
  const { state, probeTemporal, cacheMs = 5_000, now = Date.now } = params;
  let last: { atMs: number; result: Promise<Readiness> } | undefined;
  const probe = (): Promise<Readiness> => {
    if (last && now() - last.atMs < cacheMs) return last.result;
    const result = probeTemporal().then(
      (): Readiness => ({ ready: true }),
      (error: unknown): Readiness => ({ ready: false, reason: `Temporal unreachable (${(error as Error).message})` }),
    );
    last = { atMs: now(), result };
    return result;
  };
  return async () => {
    const current = state();
    if (current !== 'RUNNING') return { ready: false, reason: current === undefined ? 'starting' : `worker ${current}` };
    return probe();
  };
}
