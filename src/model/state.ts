import { comparePositions, normalizeState } from './position';
import { MAX_KEYS_IN_RESULT, type BatchResult, type CollectState, type StreamPosition } from './types';

/** One object of a batch (or a read that found no events: no key). */
export interface ObjectStep {
  position: StreamPosition;
  events: number;
  rawBytes: number;
  bytes: number;
  key: string | null;
  caughtUp: boolean;
  lastProcessedAt: string | null;
}

/** The rule's state after one more object (or empty read): pure, shared by the batch and the checkpoint. */
export function afterObject(state: CollectState, object: ObjectStep): CollectState {
  return {
    position: object.position,
    startPointMs: state.startPointMs,
    lastProcessedAt: object.lastProcessedAt ?? state.lastProcessedAt,
    totals: {
      events: state.totals.events + object.events,
      objects: state.totals.objects + (object.key ? 1 : 0),
      bytes: state.totals.bytes + object.bytes,
    },
  };
}

/** A batch's result so far with one more object (or empty read) appended: pure. */
export function addObject(batch: BatchResult, object: ObjectStep): BatchResult {
  return {
    state: afterObject(batch.state, object),
    events: batch.events + object.events,
    rawBytes: batch.rawBytes + object.rawBytes,
    bytes: batch.bytes + object.bytes,
    objects: batch.objects + (object.key ? 1 : 0),
    keys: object.key && batch.keys.length < MAX_KEYS_IN_RESULT ? [...batch.keys, object.key] : batch.keys,
    caughtUp: object.caughtUp,
  };
}

/** A batch that has written nothing yet, starting from `state`. */
export function emptyBatch(state: CollectState): BatchResult {
  return { state, events: 0, rawBytes: 0, bytes: 0, objects: 0, keys: [], caughtUp: false };
}

/**
 * The batch moved on to `state`, a durable point further along (a checkpoint written by an earlier
 * attempt or run): what was written between counts as this batch's.
 */
export function jumpTo(batch: BatchResult, state: CollectState): BatchResult {
  if (comparePositions(state.position, batch.state.position) <= 0) return batch;
  const before = batch.state.totals;
  return {
    ...batch,
    state,
    events: batch.events + Math.max(0, state.totals.events - before.events),
    objects: batch.objects + Math.max(0, state.totals.objects - before.objects),
    bytes: batch.bytes + Math.max(0, state.totals.bytes - before.bytes),
  };
}

/** True when the batch got anywhere: wrote an object or moved the stream position. */
export function moved(batch: BatchResult, from: CollectState): boolean {
  return batch.objects > 0 || comparePositions(batch.state.position, from.position) !== 0;
}

/**
 * A batch result from a worker older than 0.2.0 (a rolling upgrade): its old fields. Delete once no
 * worker older than 0.2.0 runs (after the upgrade has rolled out).
 */
interface LegacyBatchResult {
  nextPosition: unknown;
  events: number;
  objects: number;
  bytes: number;
  lastProcessedAt: string | null;
}

/** The rule's state after a batch, also for a result an older worker returned mid-upgrade. */
export function stateAfter(state: CollectState, batch: BatchResult | LegacyBatchResult): CollectState {
  if ('state' in batch) return batch.state;
  return normalizeState({
    position: batch.nextPosition as StreamPosition,
    startPointMs: state.startPointMs,
    lastProcessedAt: batch.lastProcessedAt ?? state.lastProcessedAt,
    totals: {
      events: state.totals.events + batch.events,
      objects: state.totals.objects + batch.objects,
      bytes: state.totals.bytes + batch.bytes,
    },
  });
}
