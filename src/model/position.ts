// Stream positions by content: how far a rule has written, compared by `processedAt` and the IDs
// written at that millisecond, never by cursor text. Pure, shared by workflows and activities.
import type { CollectState, StreamPosition } from './types';

/** Before any event: read from `atMs` on, inclusive. */
export function startPosition(atMs: number): StreamPosition {
  return { atMs, idsAtMs: [], cursor: null };
}

/**
 * Negative when `a` is behind `b`, 0 when level, positive when ahead. At one millisecond a place
 * further on has written more of that millisecond's events (the IDs grow as the stream is read).
 */
export function comparePositions(a: StreamPosition, b: StreamPosition): number {
  return a.atMs !== b.atMs ? a.atMs - b.atMs : a.idsAtMs.length - b.idsAtMs.length;
}

/**
 * True when an event was already written at or before `position`: its ID is among those written at
 * `atMs`, or (on a read that started from `atMs` rather than a cursor) it was processed earlier.
 */
export function alreadyWritten(params: {
  position: StreamPosition;
  id: string;
  processedAtMs: number | undefined;
  fromRead: boolean;
}): boolean {
  const { position, processedAtMs } = params;
  if (processedAtMs === undefined) return false;
  if (processedAtMs === position.atMs) return position.idsAtMs.includes(params.id);
  return params.fromRead && processedAtMs < position.atMs;
}

/** The position just after an event; an event without a processedAt (or behind the position) leaves it. */
export function positionAfter(position: StreamPosition, event: { id: string; processedAtMs: number | undefined }): StreamPosition {
  const { processedAtMs } = event;
  if (processedAtMs === undefined || processedAtMs < position.atMs) return position;
  if (processedAtMs === position.atMs) return { ...position, idsAtMs: [...position.idsAtMs, event.id] };
  return { atMs: processedAtMs, idsAtMs: [event.id], cursor: position.cursor };
}

/** A position as state from before content positions held it: `{cursor}` or `{fromMs}`. */
type LegacyPosition = { cursor: string } | { fromMs: number; toMs?: number };

/**
 * A state read from a previous run's result or a checkpoint, in today's shape and nothing more
 * (a run's result also carries its summary and health). States written
 * before positions were kept by content carry a bare cursor or `from`: the cursor is kept and
 * `atMs` is the last processedAt (the IDs at that millisecond were not recorded, so a read from
 * `atMs` after such a cursor expires may write those few events again).
 */
export function normalizeState(state: CollectState): CollectState {
  const { startPointMs, lastProcessedAt, totals } = state;
  const position = state.position as StreamPosition | LegacyPosition;
  if ('atMs' in position) return { position, startPointMs, lastProcessedAt, totals };
  const lastMs = state.lastProcessedAt === null ? NaN : Date.parse(state.lastProcessedAt);
  const atMs = 'fromMs' in position ? position.fromMs : Number.isNaN(lastMs) ? state.startPointMs : lastMs;
  return { position: { atMs, idsAtMs: [], cursor: 'cursor' in position ? position.cursor : null }, startPointMs, lastProcessedAt, totals };
}
