// The simulated organization's event log: events kept in processing order, served through opaque
// cursors as /events-stream does, and newest-first by event time as /events does.
import { makeEvent, processingLagMs, seededRandom, uuid, type EventIdentity, type Random, type SimEvent } from './generate';

export interface StoredEvent {
  id: string;
  processedAtMs: number;
  timeMs: number;
  json: string;
  event: SimEvent;
  /** A uniform draw in [0, 1) that places the event's visibility within the delay (see `visibleAtMs`). */
  visibilityDraw: number;
}

/** When the event becomes readable: `processedAt + d`, d uniform in [0, delayMs] by the event's own draw. */
export function visibleAtMs(event: StoredEvent, delayMs: number): number {
  return event.processedAtMs + Math.floor(event.visibilityDraw * (delayMs + 1));
}

/** Who may see what at `nowMs`; events not yet visible are served as if they did not exist. */
export interface Visibility {
  nowMs: number;
  delayMs: number;
}

export function isVisible(event: StoredEvent, visibility: Visibility | undefined): boolean {
  return visibility === undefined || visibility.delayMs === 0 || visibleAtMs(event, visibility.delayMs) <= visibility.nowMs;
}

export interface StreamCursor {
  v: 1;
  org: string;
  sort: 'asc' | 'desc';
  from: number | null;
  to: number | null;
  /** The last position served: processedAt ms and event id. */
  p: number;
  i: string;
  /** When the server issued it (ms), carried only while cursors expire. */
  t?: number;
}

/** `n`, a nonce, makes each encoding of one position a different string; decoding drops it. */
export function encodeCursor(cursor: StreamCursor & { n?: string }): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeCursor(text: string, orgId: string): StreamCursor | undefined {
  try {
    const { n: _nonce, ...c } = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as StreamCursor & { n?: unknown };
    const validBound = (b: unknown) => b === null || typeof b === 'number';
    if (c.v !== 1 || c.org !== orgId || (c.sort !== 'asc' && c.sort !== 'desc')) return undefined;
    if (typeof c.p !== 'number' || typeof c.i !== 'string' || !validBound(c.from) || !validBound(c.to)) return undefined;
    if (c.t !== undefined && typeof c.t !== 'number') return undefined;
    return c;
  } catch {
    return undefined;
  }
}

/** Orders by (processedAt, id), the order of the stream. */
function compare(aMs: number, aId: string, bMs: number, bId: string): number {
  return aMs !== bMs ? aMs - bMs : aId < bId ? -1 : aId > bId ? 1 : 0;
}

export class OrgLog {
  readonly events: StoredEvent[] = [];
  private readonly random: Random;
  // Its own sequence, so the events themselves are the same whether or not visibility is delayed.
  private readonly visibilityRandom: Random;
  readonly identity: EventIdentity;

  constructor(params: { orgId: string; seed: number }) {
    this.random = seededRandom(params.seed);
    this.visibilityRandom = seededRandom(params.seed + 2);
    this.identity = { orgId: params.orgId, siteId: uuid(seededRandom(params.seed + 1)) };
  }

  private add(timeMs: number, processedAtMs: number): StoredEvent {
    const event = makeEvent({ random: this.random, org: this.identity, timeMs, processedAtMs });
    return { id: event.id, processedAtMs, timeMs, json: JSON.stringify(event), event, visibilityDraw: this.visibilityRandom() };
  }

  /** `count` events processed over `[endMs - spanMs, endMs]`, a share of them long after they happened. */
  seed(params: { count: number; endMs: number; spanMs: number; lateFraction: number }): void {
    const step = params.spanMs / Math.max(params.count, 1);
    const batch: StoredEvent[] = [];
    for (let n = 0; n < params.count; n++) {
      const processedAtMs = Math.floor(params.endMs - params.spanMs + n * step + this.random() * step);
      batch.push(this.add(processedAtMs - processingLagMs(this.random, params.lateFraction), processedAtMs));
    }
    for (const stored of batch) this.events.push(stored);
    this.events.sort((a, b) => compare(a.processedAtMs, a.id, b.processedAtMs, b.id));
  }

  /**
   * New arrivals: processed now (never before what is already in the log), a share of them with
   * event times long before (`lateMs`), as when Atlassian processes a backlog. With
   * `atLastMillisecond`, they share the processedAt of the log's last event (the API's order within
   * a millisecond is by ID, so some may sort before events already served). With `sameMillisecond`,
   * they all share one fresh millisecond, after every event already in the log.
   */
  append(params: {
    count: number;
    nowMs: number;
    lateFraction: number;
    lateMs: number;
    atLastMillisecond?: boolean;
    sameMillisecond?: boolean;
  }): StoredEvent[] {
    if (params.atLastMillisecond && params.sameMillisecond)
      throw new Error('append: atLastMillisecond and sameMillisecond exclude each other');
    const added: StoredEvent[] = [];
    const last = this.events.at(-1)?.processedAtMs ?? 0;
    const oneMillisecond = params.atLastMillisecond || params.sameMillisecond;
    let processedAtMs = params.atLastMillisecond && last > 0 ? last : Math.max(params.nowMs, last + 1);
    for (let n = 0; n < params.count; n++) {
      const late = this.random() < params.lateFraction;
      const timeMs = late
        ? processedAtMs - params.lateMs - Math.floor(this.random() * 60_000)
        : processedAtMs - Math.floor(this.random() * 2_000);
      const stored = this.add(timeMs, processedAtMs);
      added.push(stored);
      this.events.push(stored);
      if (!oneMillisecond && this.random() < 0.7) processedAtMs += 1;
    }
    this.events.sort((a, b) => compare(a.processedAtMs, a.id, b.processedAtMs, b.id));
    return added;
  }

  /** Drops what is older than the retention window. */
  expire(oldestMs: number): void {
    const keepFrom = this.lowerBound(oldestMs);
    if (keepFrom > 0) this.events.splice(0, keepFrom);
  }

  /** The event at an index the caller knows is in range. */
  private event(index: number): StoredEvent {
    const e = this.events[index];
    if (!e) throw new Error(`no event at index ${index}`);
    return e;
  }

  /** Index of the first event with processedAt >= ms. */
  private lowerBound(ms: number): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.event(mid).processedAtMs < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first event after position (p, i) in stream order. */
  private after(p: number, i: string): number {
    let lo = this.lowerBound(p);
    while (lo < this.events.length && compare(this.event(lo).processedAtMs, this.event(lo).id, p, i) <= 0) lo++;
    return lo;
  }

  /**
   * One page of the stream after `cursor`'s position within its window, filtering the window on
   * processedAt (or on event time when `windowOn` is 'time'). Events not yet visible are skipped.
   */
  streamPage(params: { cursor: StreamCursor; limit: number; windowOn: 'processedAt' | 'time'; visibility?: Visibility }): {
    page: StoredEvent[];
    exhausted: boolean;
  } {
    const { cursor, limit } = params;
    const inWindow = (e: StoredEvent) => {
      const at = params.windowOn === 'time' ? e.timeMs : e.processedAtMs;
      return (cursor.from === null || at >= cursor.from) && (cursor.to === null || at <= cursor.to) && isVisible(e, params.visibility);
    };
    const page: StoredEvent[] = [];
    if (cursor.sort === 'asc') {
      let index = this.after(cursor.p, cursor.i);
      for (; index < this.events.length && page.length < limit; index++) {
        const e = this.event(index);
        if (params.windowOn === 'processedAt' && cursor.to !== null && e.processedAtMs > cursor.to) {
          index = this.events.length;
          break;
        }
        if (inWindow(e)) page.push(e);
      }
      return { page, exhausted: cursor.to !== null && !this.anyFrom(index, 1, inWindow) };
    }
    let index = this.after(cursor.p, cursor.i) - 1;
    // In descending order the position is the last one served; skip it and go back in time.
    while (index >= 0 && compare(this.event(index).processedAtMs, this.event(index).id, cursor.p, cursor.i) >= 0) index--;
    for (; index >= 0 && page.length < limit; index--) {
      const e = this.event(index);
      if (inWindow(e)) page.push(e);
    }
    return { page, exhausted: cursor.to !== null && !this.anyFrom(index, -1, inWindow) };
  }

  private anyFrom(index: number, step: 1 | -1, match: (e: StoredEvent) => boolean): boolean {
    for (let n = index; n >= 0 && n < this.events.length; n += step) if (match(this.event(n))) return true;
    return false;
  }
}
