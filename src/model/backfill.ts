// Backfills: types, IDs, slice planning and progress arithmetic shared by the backfill workflows,
// the backfill activity and the CLI. Pure: no I/O, nothing here may hold a secret.
import { startPosition } from './position';
import type { RuleSpec, StreamPosition } from './types';

export const DEFAULT_BACKFILL_CONCURRENCY = 4;
/** Each running slice holds one activity slot and competes for the org's request budget. */
export const MAX_BACKFILL_CONCURRENCY = 16;
/** Bounds the parent's history: a few events per slice (180 days of retention need at most 182). */
export const MAX_SLICES = 200;
const DAY_MS = 86_400_000;
/**
 * A backfill object holds this many events at most, counted from its day's start: a constant, not
 * a setting, so every backfill over a day cuts its objects at the same events.
 */
export const BACKFILL_EVENTS_PER_OBJECT = 5_000;

export interface BackfillInput {
  rule: RuleSpec;
  /** The range `[fromMs, toMs)` in epoch ms. */
  fromMs: number;
  toMs: number;
  concurrency: number;
  /** T0: live collection owns every event processed at or after this instant; the backfill drops them. */
  liveStartMs: number;
}

/**
 * A slice's window: one UTC day (the last one ends before T0); both bounds inclusive, as the API
 * takes them. Slices are disjoint, and any backfill of the rule plans the same window for a day.
 */
export interface SliceSpec {
  index: number;
  fromMs: number;
  toMs: number;
}

/** A slice's own cursor and counts: what it resumes from after a failure or a continue-as-new. */
export interface SliceState {
  position: StreamPosition;
  batches: number;
  /** Events written from the window's start: where the next object boundary falls. */
  events: number;
  /** Events the API returned at or after T0, left to live collection. */
  dropped: number;
  objects: number;
  bytes: number;
  lastProcessedAt: string | null;
  done: boolean;
}

export interface SliceInput {
  rule: RuleSpec;
  slice: SliceSpec;
  liveStartMs: number;
  /** Set when the slice continues as new. */
  state?: SliceState;
}

export interface BackfillBatchInput {
  rule: RuleSpec;
  slice: SliceSpec;
  liveStartMs: number;
  position: StreamPosition;
  /** Events the slice has written so far: the batch's object ends at the next multiple of BACKFILL_EVENTS_PER_OBJECT. */
  eventsSoFar: number;
}

export interface BackfillBatchResult {
  position: StreamPosition;
  events: number;
  dropped: number;
  rawBytes: number;
  bytes: number;
  key: string | null;
  caughtUp: boolean;
  lastProcessedAt: string | null;
}

export type SliceStatus = 'pending' | 'running' | 'done';

export interface SliceReport extends SliceSpec {
  status: SliceStatus;
  state: SliceState | null;
}

/** What the backfill's `progress` query answers, and what the workflow returns. */
export interface BackfillProgress {
  backfillId: string;
  ruleId: string;
  from: string;
  to: string;
  liveStart: string;
  concurrency: number;
  slices: { total: number; done: number; running: number };
  events: number;
  dropped: number;
  objects: number;
  bytes: number;
  /** Everything processed before this instant is written (the earliest unfinished slice's position). */
  position: string;
  /** Share of the range covered, 0 to 1. */
  fraction: number;
  startedAt: string;
  updatedAt: string;
  eventsPerSecond: number;
  /** Estimated time left at the pace so far; null before there is a pace. */
  etaMs: number | null;
}

/**
 * The whole UTC days that hold `[fromMs, toMs)`, one slice each, the last ending just before T0
 * (`liveStartMs`), which live collection owns from. Whole days, not the range's own bounds, so
 * that every backfill of a day (again, or in an overlapping range) reads the same window and cuts
 * its objects at the same events.
 */
export function planSlices(params: { fromMs: number; toMs: number; liveStartMs: number }): SliceSpec[] {
  const endMs = Math.min(params.toMs, params.liveStartMs);
  if (!(endMs > params.fromMs))
    throw new Error(`an empty range: from ${params.fromMs} is not before to ${Math.min(params.toMs, params.liveStartMs)}`);
  const firstDay = Math.floor(params.fromMs / DAY_MS) * DAY_MS;
  const count = Math.floor((endMs - 1 - firstDay) / DAY_MS) + 1;
  if (count > MAX_SLICES) throw new Error(`a range of ${count} days: at most ${MAX_SLICES} days can be backfilled at once`);
  return Array.from({ length: count }, (_, index) => {
    const dayMs = firstDay + index * DAY_MS;
    return { index, fromMs: dayMs, toMs: Math.min(dayMs + DAY_MS, params.liveStartMs) - 1 };
  });
}

export function initialSliceState(slice: SliceSpec): SliceState {
  return {
    position: startPosition(slice.fromMs),
    batches: 0,
    events: 0,
    dropped: 0,
    objects: 0,
    bytes: 0,
    lastProcessedAt: null,
    done: false,
  };
}

/** The slice's state after a batch: the workflow moves its position only from the activity's result. */
export function advanceSlice(state: SliceState, batch: BackfillBatchResult): SliceState {
  return {
    position: batch.position,
    batches: state.batches + 1,
    events: state.events + batch.events,
    dropped: state.dropped + batch.dropped,
    objects: state.objects + (batch.key ? 1 : 0),
    bytes: state.bytes + batch.bytes,
    lastProcessedAt: batch.lastProcessedAt ?? state.lastProcessedAt,
    done: batch.caughtUp,
  };
}

/** How far through its window a slice is, 0 to 1, judged by the last processedAt it wrote. */
function sliceFraction(slice: SliceReport): number {
  if (slice.status === 'done') return 1;
  const at = slice.state?.lastProcessedAt ? Date.parse(slice.state.lastProcessedAt) : NaN;
  if (slice.status === 'pending' || Number.isNaN(at)) return 0;
  return Math.min(1, Math.max(0, (at - slice.fromMs) / (slice.toMs + 1 - slice.fromMs)));
}

/** What a progress report needs of the backfill's input. */
export interface BackfillRange {
  ruleId: string;
  fromMs: number;
  toMs: number;
  liveStartMs: number;
  concurrency: number;
}

/** Sums the slices into the backfill's progress, with the pace and ETA as of `nowMs`. */
export function summarize(params: {
  backfillId: string;
  range: BackfillRange;
  slices: SliceReport[];
  startedAtMs: number;
  nowMs: number;
}): BackfillProgress {
  const { range: input, slices } = params;
  const sum = (pick: (s: SliceState) => number) => slices.reduce((total, s) => total + (s.state ? pick(s.state) : 0), 0);
  const span = slices.reduce((total, s) => total + (s.toMs + 1 - s.fromMs), 0);
  const fraction = span > 0 ? slices.reduce((total, s) => total + sliceFraction(s) * (s.toMs + 1 - s.fromMs), 0) / span : 1;
  const unfinished = slices.find((s) => s.status !== 'done');
  const positionMs = !unfinished
    ? (slices.at(-1)?.toMs ?? input.toMs - 1) + 1
    : unfinished.state?.lastProcessedAt
      ? Date.parse(unfinished.state.lastProcessedAt)
      : unfinished.fromMs;
  const elapsedMs = Math.max(0, params.nowMs - params.startedAtMs);
  const events = sum((s) => s.events);
  return {
    backfillId: params.backfillId,
    ruleId: input.ruleId,
    from: new Date(input.fromMs).toISOString(),
    to: new Date(input.toMs).toISOString(),
    liveStart: new Date(input.liveStartMs).toISOString(),
    concurrency: input.concurrency,
    slices: {
      total: slices.length,
      done: slices.filter((s) => s.status === 'done').length,
      running: slices.filter((s) => s.status === 'running').length,
    },
    events,
    dropped: sum((s) => s.dropped),
    objects: sum((s) => s.objects),
    bytes: sum((s) => s.bytes),
    position: new Date(positionMs).toISOString(),
    fraction,
    startedAt: new Date(params.startedAtMs).toISOString(),
    updatedAt: new Date(params.nowMs).toISOString(),
    eventsPerSecond: elapsedMs > 0 ? (events * 1000) / elapsedMs : 0,
    etaMs: fraction >= 1 ? 0 : fraction > 0 ? Math.round((elapsedMs * (1 - fraction)) / fraction) : null,
  };
}
