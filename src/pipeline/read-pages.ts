// Reading pages of the stream from a content position: what the collect-batch and backfill-batch
// activities and the benchmark's Temporal-free floor all do, so all do the same work.
import { ApplicationFailure } from '@temporalio/common';
import { MAX_PAGE_LIMIT, eventIdOf, type EventPage, type EventSource } from '../atlassian/client';
import type { Priority } from '../atlassian/pacer';
import { ErrorType } from '../common/failures';
import { alreadyWritten, positionAfter } from '../model/position';
import type { ConnectionSpec, StreamPosition } from '../model/types';
import { ObjectBody } from './object-body';
import type { Compressor } from './zstd';

export interface PagesRead {
  /** The kept events' texts exactly as the API sent them, in stream order, on their way to zstd. */
  body: ObjectBody;
  /** The first kept event: the object's key derives from it (its processedAt, else the start's). */
  first: { id: string; processedAtMs: number } | null;
  /** processedAt of the first and last kept events that have one, as the API wrote it. */
  firstProcessedAt: string | null;
  lastProcessedAt: string | null;
  /** Where the next read starts. */
  position: StreamPosition;
  /** The API gave a short or empty page: nothing more to read for now. */
  caughtUp: boolean;
  /** Events read but not kept (see `keep`). */
  dropped: number;
  /** Events read again that were already written (after a read from `atMs`), skipped. */
  repeated: number;
  /** Of those, events processed before the read's start (a read from `atMs` treats them as written). */
  behind: number;
  /** Events kept without a string `id` (the schema requires one): known by a hash of their text. */
  withoutId: number;
  /** A stored cursor was refused (invalid or expired) and the read went on from `atMs`. */
  cursorRefused: boolean;
}

type PageRequest = Parameters<EventSource['fetchPage']>[0];

/**
 * A read from `atMs` (no cursor) gets the events already written at that millisecond again: it
 * asks for that many more, so that a page still has room for `pageLimit` new ones.
 */
function limitFor(position: StreamPosition, pageLimit: number): number {
  return position.cursor === null ? Math.min(MAX_PAGE_LIMIT, pageLimit + position.idsAtMs.length) : pageLimit;
}

/** One page; a refused cursor is replaced by a read from the position's `atMs` (a second refusal stands). */
async function fetchPage(
  source: EventSource,
  request: PageRequest & { pageLimit: number },
): Promise<{ page: EventPage; position: StreamPosition; limit: number; cursorRefused: boolean }> {
  const { pageLimit, ...rest } = request;
  const ask = async (position: StreamPosition) => {
    const limit = limitFor(position, pageLimit);
    return { page: await source.fetchPage({ ...rest, position, limit }), position, limit };
  };
  try {
    return { ...(await ask(request.position)), cursorRefused: false };
  } catch (error) {
    if (request.position.cursor === null || !(error instanceof ApplicationFailure) || error.type !== ErrorType.InvalidCursor) throw error;
    return { ...(await ask({ ...request.position, cursor: null })), cursorRefused: true };
  }
}

/** Why a read stopped inside a page: the object is full, or the next event is for a later read. */
type StopInPage = 'full' | 'unsettled' | 'window-end';

/**
 * Follows up to `maxPages` pages from `start`; events are kept as their texts, not parsed objects.
 * Events already written (by content position) are skipped, so any re-read writes each event once.
 * A live read stops before the first event processed after `horizonMs` (not yet settled: an event
 * of that time may still become readable before it); a backfill read stops at its window's `toMs`
 * and ends when the API has no next page, not on the first short one.
 */
export async function readPages(params: {
  source: EventSource;
  compressor: Compressor;
  connection: ConnectionSpec;
  apiKey: string;
  start: StreamPosition;
  /** The end of a closed window (a backfill's), inclusive. */
  toMs?: number;
  /** Live reads: the newest processedAt that is settled (now minus the settle window), inclusive. */
  horizonMs?: number;
  pageLimit: number;
  maxPages: number;
  /** Keep at most this many events: the read ends just after the last one kept. */
  maxEvents?: number;
  onPage?: (progress: { pages: number; events: number }) => void;
  /** Backfills read behind live collection in the org's request budget. */
  priority?: Priority;
  /** Which events to keep (a backfill leaves those live collection owns); all when absent. */
  keep?: (processedAtMs: number | undefined) => boolean;
}): Promise<PagesRead> {
  const { source, connection, apiKey, pageLimit, priority, keep, toMs, horizonMs } = params;
  const maxEvents = params.maxEvents ?? Infinity;
  const read: PagesRead = {
    body: new ObjectBody(params.compressor),
    first: null,
    firstProcessedAt: null,
    lastProcessedAt: null,
    position: params.start,
    caughtUp: false,
    dropped: 0,
    repeated: 0,
    behind: 0,
    withoutId: 0,
    cursorRefused: false,
  };
  const beyond = (processedAtMs: number | undefined, limitMs: number | undefined) =>
    processedAtMs !== undefined && limitMs !== undefined && processedAtMs > limitMs;
  // A read that has its maxEvents ends without asking for another page: that page would all be
  // read again by the next batch (a backfill's objects end on a page boundary: one request wasted per object).
  for (let pages = 0; pages < params.maxPages && !read.caughtUp && read.body.events < maxEvents; pages++) {
    const fetched = await fetchPage(source, { connection, apiKey, position: read.position, toMs, limit: pageLimit, priority, pageLimit });
    const { page, limit } = fetched;
    read.cursorRefused ||= fetched.cursorRefused;
    const fromRead = fetched.position.cursor === null;
    const pageStart = fetched.position;
    let position = pageStart;
    const lines: string[] = [];
    let stop: StopInPage | undefined;
    let fresh = 0;
    for (const [index, event] of page.events.entries()) {
      const processedAtMs = page.processedAtMs[index];
      const line = page.lines[index] ?? JSON.stringify(event);
      const id = eventIdOf(event, line);
      if (alreadyWritten({ pageStart, position, id, processedAtMs, fromRead })) {
        read.repeated += 1;
        if (processedAtMs !== undefined && processedAtMs < pageStart.atMs) read.behind += 1;
        continue;
      }
      if (beyond(processedAtMs, toMs)) stop = 'window-end';
      else if (beyond(processedAtMs, horizonMs)) stop = 'unsettled';
      else if (read.body.events + lines.length >= maxEvents) stop = 'full';
      if (stop) break;
      fresh += 1;
      if (keep && !keep(processedAtMs)) read.dropped += 1;
      else {
        lines.push(line);
        if (id !== event.id) read.withoutId += 1;
        read.first ??= { id, processedAtMs: processedAtMs ?? params.start.atMs };
        const processedAt = event.attributes?.processedAt;
        if (processedAtMs !== undefined && typeof processedAt === 'string') {
          read.firstProcessedAt ??= processedAt;
          read.lastProcessedAt = processedAt;
        }
      }
      position = positionAfter(position, { id, processedAtMs });
    }
    read.body.add(lines);
    params.onPage?.({ pages: pages + 1, events: read.body.events });
    if (stop) {
      // The API's cursor points past the whole page: the rest of it is read again from `atMs`.
      read.position = { ...position, cursor: null };
      read.caughtUp = stop !== 'full';
      break;
    }
    read.position = { ...position, cursor: page.nextCursor };
    // A closed window is read to its end: a short page that carries a cursor is not the end.
    read.caughtUp = toMs !== undefined ? page.nextCursor === null || page.events.length === 0 : page.events.length < limit;
    if (!read.caughtUp && fromRead && fresh === 0 && page.nextCursor === null) {
      throw ApplicationFailure.create({
        type: ErrorType.StuckAtMillisecond,
        nonRetryable: true,
        message:
          `Atlassian org ${connection.orgId}: at least ${limit} events share processedAt ${new Date(position.atMs).toISOString()}, all written, ` +
          `and without a cursor the stream cannot be read past them (a page holds at most ${MAX_PAGE_LIMIT}). Backfill the time after it, then resume the rule.`,
      });
    }
  }
  return read;
}
