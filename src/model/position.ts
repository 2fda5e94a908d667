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
 * True when an event was already written: its ID is among those written at its millisecond (at the
 * read's running `position`, or at `pageStart`, where the page began), or, on a page read from
 * `atMs` rather than a cursor, it was processed before the page's start. Compared with where the
 * page started, not with the running position, so that an event served out of order inside a page
 * (processedAt T+6 after T+7) is new, not a repeat.
 */
export function alreadyWritten(params: {
  pageStart: StreamPosition;
  position: StreamPosition;
  id: string;
  processedAtMs: number | undefined;
  fromRead: boolean;
}): boolean {
  const { pageStart, position, processedAtMs, id } = params;
  if (processedAtMs === undefined) return false;
  if (processedAtMs === position.atMs && position.idsAtMs.includes(id)) return true;
  if (processedAtMs === pageStart.atMs) return pageStart.idsAtMs.includes(id);
  return params.fromRead && processedAtMs < pageStart.atMs;
}

/**
 * The position just after an event; an event without a processedAt (or behind the position) leaves
 * it, and an ID already recorded at the position's millisecond is not counted twice.
 */
export function positionAfter(position: StreamPosition, event: { id: string; processedAtMs: number | undefined }): StreamPosition {
  const { processedAtMs } = event;
  if (processedAtMs === undefined || processedAtMs < position.atMs) return position;
  if (processedAtMs === position.atMs) {
    return position.idsAtMs.includes(event.id) ? position : { ...position, idsAtMs: [...position.idsAtMs, event.id] };
  }
  return { atMs: processedAtMs, idsAtMs: [event.id], cursor: position.cursor };
}

/** The position after a run of events (an object's content) read from `start`, with no cursor. */
export function positionAfterEvents(
  start: StreamPosition,
  events: Array<{ id: string; processedAtMs: number | undefined }>,
): StreamPosition {
  return events.reduce(positionAfter, { ...start, cursor: null });
}

/** The same place by content (atMs and the IDs written there), whatever the cursors. */
export function samePlace(a: StreamPosition, b: StreamPosition): boolean {
  return a.atMs === b.atMs && a.idsAtMs.length === b.idsAtMs.length && a.idsAtMs.every((id) => b.idsAtMs.includes(id));
}

/**
 * A position as versions before 0.2.0 kept it: `{cursor}` or `{fromMs}`. Delete this (and the
 * branch of normalizeState that reads it) once every rule has completed a run on 0.2.0 or later:
 * its result and checkpoint are then in today's shape.
 */
type LegacyPosition = { cursor: string } | { fromMs: number; toMs?: number };

/**
 * A state read from a previous run's result or a checkpoint, in today's shape and nothing more
 * (a run's result also carries its summary and health). States written
 * before 0.2.0, when positions were not kept by content, carry a bare cursor or `from`: the cursor is kept and
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
