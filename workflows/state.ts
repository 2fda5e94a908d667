import { MAX_KEYS_IN_RESULT, type BatchResult, type CollectState, type Position } from './types';

/** One object of a batch (or a read that found no events: no key). */
export type ObjectStep = Omit<BatchResult, 'objects' | 'keys'> & { key: string | null };

/** The state after a batch: pure, shared by the workflow and the checkpoint mirror. */
export function advance(state: CollectState, batch: BatchResult): CollectState {
  return {
    position: batch.nextPosition,
    startPointMs: state.startPointMs,
    lastProcessedAt: batch.lastProcessedAt ?? state.lastProcessedAt,
    totals: {
      events: state.totals.events + batch.events,
      objects: state.totals.objects + batch.objects,
      bytes: state.totals.bytes + batch.bytes,
    },
  };
}

/** A batch's result so far with one more object (or empty read) appended: pure. */
export function addObject(batch: BatchResult, object: ObjectStep): BatchResult {
  return {
    nextPosition: object.nextPosition,
    events: batch.events + object.events,
    rawBytes: batch.rawBytes + object.rawBytes,
    bytes: batch.bytes + object.bytes,
    objects: batch.objects + (object.key ? 1 : 0),
    keys: object.key && batch.keys.length < MAX_KEYS_IN_RESULT ? [...batch.keys, object.key] : batch.keys,
    caughtUp: object.caughtUp,
    lastProcessedAt: object.lastProcessedAt ?? batch.lastProcessedAt,
  };
}

/** A batch that has written nothing yet, starting at `position`. */
export function emptyBatch(position: Position): BatchResult {
  return { nextPosition: position, events: 0, rawBytes: 0, bytes: 0, objects: 0, keys: [], caughtUp: false, lastProcessedAt: null };
}
