// Ways the events-stream may misbehave that a reader must survive, each off by default: late
// visibility, pages out of order, cursors that forget `to`, short pages before the end.
import type { StoredEvent } from './store';

export interface StreamQuirks {
  /** Each event becomes readable at processedAt + d, d drawn per event uniformly in [0, visibilityDelayMs]. */
  visibilityDelayMs: number;
  /** Every 7th adjacent pair with different processedAt in a page is swapped. */
  outOfOrderInPage: boolean;
  /** Cursors handed out leave out the request's `to`, so following them runs on to the tail. */
  cursorDropsTo: boolean;
  /** Every 3rd page of an org serves half of `limit`, rounded up, and still carries a cursor when full at that size. */
  shortPagesMidWindow: boolean;
}

export const QUIRKS_OFF: StreamQuirks = { visibilityDelayMs: 0, outOfOrderInPage: false, cursorDropsTo: false, shortPagesMidWindow: false };

const OUT_OF_ORDER_EVERY = 7;
const SHORT_PAGE_EVERY = 3;

export function isWholeMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Why the quirk settings in `body` are unusable, if they are. */
export function quirksError(body: Record<string, unknown>): string | undefined {
  for (const name of ['outOfOrderInPage', 'cursorDropsTo', 'shortPagesMidWindow'] as const) {
    if (body[name] !== undefined && typeof body[name] !== 'boolean') return `${name} must be true or false`;
  }
  if (body.visibilityDelayMs !== undefined && !isWholeMs(body.visibilityDelayMs))
    return 'visibilityDelayMs must be a whole number of milliseconds >= 0';
  return undefined;
}

/** `current` with the quirks `body` sets; call after `quirksError` found nothing. */
export function withQuirks(current: StreamQuirks, body: Partial<Record<keyof StreamQuirks, unknown>>): StreamQuirks {
  const next = { ...current };
  if (isWholeMs(body.visibilityDelayMs)) next.visibilityDelayMs = body.visibilityDelayMs;
  if (typeof body.outOfOrderInPage === 'boolean') next.outOfOrderInPage = body.outOfOrderInPage;
  if (typeof body.cursorDropsTo === 'boolean') next.cursorDropsTo = body.cursorDropsTo;
  if (typeof body.shortPagesMidWindow === 'boolean') next.shortPagesMidWindow = body.shortPagesMidWindow;
  return next;
}

/** How many events the `pageNumber`-th page (1 and up) served while short pages are on may hold. */
export function shortPageLimit(params: { limit: number; pageNumber: number }): number {
  return params.pageNumber % SHORT_PAGE_EVERY === 0 ? Math.ceil(params.limit / 2) : params.limit;
}

/**
 * Swaps every 7th adjacent pair whose processedAt differ, counted from the page's start, pairs not
 * overlapping, so a page may hold T+7 before T+6. Returns a new array.
 */
export function swapAdjacentPairs(page: readonly StoredEvent[]): StoredEvent[] {
  const out = [...page];
  let differing = 0;
  for (let n = 0; n + 1 < out.length; n++) {
    const [a, b] = [out[n]!, out[n + 1]!];
    if (a.processedAtMs === b.processedAtMs || ++differing % OUT_OF_ORDER_EVERY !== 0) continue;
    [out[n], out[n + 1]] = [b, a];
    n++;
  }
  return out;
}
