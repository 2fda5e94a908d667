import type { BatchResult, CollectState } from './types';

/** The state after a batch: pure, shared by the workflow and the checkpoint mirror. */
export function advance(state: CollectState, batch: BatchResult): CollectState {
  return {
    position: batch.nextPosition,
    startPointMs: state.startPointMs,
    lastProcessedAt: batch.lastProcessedAt ?? state.lastProcessedAt,
    totals: {
      events: state.totals.events + batch.events,
      objects: state.totals.objects + (batch.key ? 1 : 0),
      bytes: state.totals.bytes + batch.bytes,
    },
  };
}
