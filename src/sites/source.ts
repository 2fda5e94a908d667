// A Jira or Confluence site's audit log as a source: closed windows `[position, end]`, where the end
// is a backfill slice's end or, live, now minus the settle window, fixed for the whole walk (and at
// most a day after the window's start). A window's records are written oldest first, an object's
// worth at a time; the position after the last object of a window is the window's end, so the next
// window starts there (inclusive) and skips the IDs written at that millisecond.
import { positionAfterEvents } from '../model/position';
import type { StreamPosition } from '../model/types';
import { ObjectBody } from '../pipeline/object-body';
import type { PagesRead } from '../pipeline/read-pages';
import type { AuditSource, SourceRead } from '../pipeline/source';
import type { SiteAuditApi } from './client';
import { identifyStoredLines, type IdentifiedRecord, type SiteProduct } from './records';
import { readWindow } from './window';

/** The longest window read at once: a live rule starting days back catches up a day at a time. */
export const MAX_WINDOW_MS = 86_400_000;
/** Windows read but not yet all written, kept to write their next objects without reading them again. */
const CACHED_WINDOWS = 16;

interface Window {
  fromMs: number;
  toMs: number;
  records: IdentifiedRecord[];
  repeated: number;
  withoutId: number;
}

export function createSiteSource(params: {
  api: SiteAuditApi;
  product: SiteProduct;
  now?: () => number;
  maxWindowMs?: number;
}): AuditSource {
  const { product } = params;
  const now = params.now ?? Date.now;
  const maxWindowMs = params.maxWindowMs ?? MAX_WINDOW_MS;
  // A window holding more than one object is read once; its objects are written one read at a time.
  const cache = new Map<string, Window>();

  const cacheKey = (read: SourceRead) => `${read.connection.baseUrl}|${read.connection.email}`;

  async function windowFor(read: SourceRead, endMs: number): Promise<Window & { pages: number }> {
    const { connection, start } = read;
    const key = cacheKey(read);
    const cached = cache.get(key);
    // Records of a settled window do not change: its remainder after `start` is what a new read would find.
    if (cached && cached.fromMs <= start.atMs && start.atMs <= cached.toMs && cached.toMs <= endMs) return { ...cached, pages: 0 };
    const toMs = Math.min(endMs, start.atMs + maxWindowMs);
    const walked = await readWindow({
      api: params.api,
      connection,
      token: read.apiKey,
      fromMs: start.atMs,
      toMs,
      limit: read.pageLimit,
      priority: read.priority,
      onPage: (pages) => read.onPage?.({ pages, events: 0 }),
    });
    const window = { fromMs: start.atMs, toMs, records: walked.records, repeated: walked.repeated, withoutId: walked.withoutId };
    cache.delete(key);
    cache.set(key, window);
    if (cache.size > CACHED_WINDOWS) cache.delete(cache.keys().next().value!);
    return { ...window, pages: walked.pages };
  }

  return {
    async read(read) {
      const { start, compressor } = read;
      const endMs = read.toMs ?? read.horizonMs ?? now();
      const result: PagesRead = {
        body: new ObjectBody(compressor),
        first: null,
        firstProcessedAt: null,
        lastProcessedAt: null,
        position: { ...start, cursor: null },
        caughtUp: true,
        dropped: 0,
        repeated: 0,
        behind: 0,
        withoutId: 0,
        cursorRefused: false,
      };
      if (endMs < start.atMs) return result;
      const window = await windowFor(read, endMs);
      const after = window.records.filter((r) => r.atMs > start.atMs || (r.atMs === start.atMs && !start.idsAtMs.includes(r.id)));
      const fresh = window.pages > 0;
      // Already written at the start's millisecond, and (when the window was walked just now) served twice.
      result.repeated = window.records.filter((r) => r.atMs >= start.atMs).length - after.length + (fresh ? window.repeated : 0);
      if (fresh) result.withoutId = window.withoutId;
      const maxEvents = read.maxEvents ?? read.maxPages * read.pageLimit;
      const kept: IdentifiedRecord[] = [];
      let consumed = 0;
      for (const record of after) {
        if (kept.length >= maxEvents) break;
        if (read.keep && !read.keep(record.atMs)) result.dropped += 1;
        else kept.push(record);
        consumed += 1;
      }
      for (let at = 0; at < kept.length; at += read.pageLimit) result.body.add(kept.slice(at, at + read.pageLimit).map((r) => r.line));
      const [first, last] = [kept[0], kept.at(-1)];
      if (first && last) {
        result.first = { id: first.id, processedAtMs: first.atMs };
        result.firstProcessedAt = new Date(first.atMs).toISOString();
        result.lastProcessedAt = new Date(last.atMs).toISOString();
      }
      const whole = consumed === after.length;
      const reached = positionAfterEvents(
        start,
        after.slice(0, consumed).map((r) => ({ id: r.id, processedAtMs: r.atMs })),
      );
      result.position = whole ? windowEnd(reached, window.toMs) : reached;
      result.caughtUp = whole && window.toMs === endMs;
      if (whole) cache.delete(cacheKey(read));
      read.onPage?.({ pages: window.pages, events: kept.length });
      return result;
    },

    identify: ({ lines, start }) => identifyStoredLines({ product, lines, start }),
  };
}

/** Once a window is written, the position is its end: what was written at that millisecond, or nothing. */
function windowEnd(reached: StreamPosition, toMs: number): StreamPosition {
  return reached.atMs < toMs ? { atMs: toMs, idsAtMs: [], cursor: null } : reached;
}
