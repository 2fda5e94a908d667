// Reading pages and writing them as NDJSON zstd objects: shared by the collect-batch and
// backfill-batch activities and the benchmark's Temporal-free floor, so all do the same work.
import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ConnectionSpec, Position } from '../workflows/types';
import { ErrorType, classifyS3Error } from './errors';
import type { AuditEvent, EventSource } from './io/atlassian';
import type { Priority } from './io/pacer';
import type { ObjectStore, PutParams } from './io/s3';
import type { Compressor } from './io/zstd';

const NEWLINE = 0x0a;

/**
 * An object's body, built page by page: each page's lines become one zstd frame as soon as the page
 * arrives, compressed on libuv's thread pool while the next page is requested. The body is the
 * frames in order, which is one valid zstd stream (`zstd -dc` reads it whole); per-page frames cost
 * about 1 % of compression ratio and spare holding the batch's raw text.
 */
export class ObjectBody {
  private readonly frames: Promise<Buffer>[] = [];
  /** Events added so far. */
  events = 0;
  /** Uncompressed NDJSON bytes added so far. */
  rawBytes = 0;

  constructor(private readonly compressor: Compressor) {}

  /** Appends the events' texts, one per `\n`-terminated line. */
  add(lines: string[]): void {
    if (lines.length === 0) return;
    // Written line by line into one buffer: joining first would allocate the page's text again.
    let size = lines.length;
    for (const line of lines) size += Buffer.byteLength(line);
    const raw = Buffer.allocUnsafe(size);
    let at = 0;
    for (const line of lines) {
      at += raw.write(line, at);
      raw[at++] = NEWLINE;
    }
    this.events += lines.length;
    this.rawBytes += raw.length;
    const frame = this.compressor.compress(raw);
    // A failure surfaces in `finish`; until then it must not count as an unhandled rejection.
    frame.catch(() => undefined);
    this.frames.push(frame);
  }

  async finish(): Promise<Buffer> {
    return Buffer.concat(await Promise.all(this.frames));
  }
}

export interface PagesRead {
  /** The kept events' texts exactly as the API sent them, in stream order, on their way to zstd. */
  body: ObjectBody;
  firstProcessedAt: string | null;
  lastProcessedAt: string | null;
  /** Where the next read starts. */
  position: Position;
  /** The API gave a short or empty page: nothing more to read for now. */
  caughtUp: boolean;
  /** Events read but not kept (see `keep`); first/lastProcessedAt cover kept events only. */
  dropped: number;
}

/** Follows up to `maxPages` pages from `start`; events are kept as their texts, not parsed objects. */
export async function readPages(params: {
  source: EventSource;
  compressor: Compressor;
  connection: ConnectionSpec;
  apiKey: string;
  start: Position;
  pageLimit: number;
  maxPages: number;
  onPage?: (progress: { pages: number; events: number }) => void;
  /** Backfills read behind live collection in the org's request budget. */
  priority?: Priority;
  /** Which events to keep (a backfill leaves those live collection owns); all when absent. */
  keep?: (event: AuditEvent) => boolean;
  /** The request has a `to` bound: a last page with events and no cursor ends the window. */
  closedWindow?: boolean;
}): Promise<PagesRead> {
  const { source, connection, apiKey, pageLimit, priority, keep } = params;
  const read: PagesRead = {
    body: new ObjectBody(params.compressor),
    firstProcessedAt: null,
    lastProcessedAt: null,
    position: params.start,
    caughtUp: false,
    dropped: 0,
  };
  for (let page = 0; page < params.maxPages && !read.caughtUp; page++) {
    const result = await source.fetchPage({ connection, apiKey, position: read.position, limit: pageLimit, priority });
    let { events: kept, lines } = result;
    if (keep) {
      kept = [];
      lines = [];
      result.events.forEach((event, index) => {
        if (!keep(event)) return;
        kept.push(event);
        lines.push(result.lines[index]);
      });
    }
    read.dropped += result.events.length - kept.length;
    read.body.add(lines);
    if (kept.length > 0) {
      read.firstProcessedAt ??= kept[0].attributes.processedAt;
      read.lastProcessedAt = kept[kept.length - 1].attributes.processedAt;
    }
    params.onPage?.({ pages: page + 1, events: read.body.events });
    if (result.nextCursor === null) {
      if (result.events.length > 0 && !params.closedWindow) {
        // Without a cursor past these events the next read could not start after them.
        throw ApplicationFailure.create({
          type: ErrorType.MalformedResponse,
          message: `Atlassian org ${connection.orgId}: a page of ${result.events.length} events came without meta.next; retrying`,
        });
      }
      read.caughtUp = true;
    } else {
      read.position = { cursor: result.nextCursor };
      read.caughtUp = result.events.length < pageLimit;
    }
  }
  return read;
}

/** A PutObject whose S3 errors come back classified (retryable or needs-a-human). */
export async function putClassified(store: ObjectStore, params: PutParams): Promise<void> {
  try {
    await store.put(params);
  } catch (error) {
    throw classifyS3Error({ error, bucket: params.bucket, key: params.key });
  }
}

/**
 * Uploads what was read as one NDJSON zstd object, with the metadata every events object carries;
 * S3 errors come back classified. Returns the raw and the compressed size.
 */
export async function writeEvents(params: {
  store: ObjectStore;
  bucket: string;
  key: string;
  ruleId: string;
  read: PagesRead & { firstProcessedAt: string; lastProcessedAt: string };
}): Promise<{ rawBytes: number; bytes: number }> {
  const { bucket, key, read } = params;
  const body = await read.body.finish();
  await putClassified(params.store, {
    bucket,
    key,
    body,
    contentType: 'application/x-ndjson',
    contentEncoding: 'zstd',
    metadata: {
      'rule-id': params.ruleId,
      'event-count': String(read.body.events),
      'first-processed-at': read.firstProcessedAt,
      'last-processed-at': read.lastProcessedAt,
    },
  });
  return { rawBytes: read.body.rawBytes, bytes: body.length };
}

/** True when the read kept events, so there is an object to write. */
export function hasEvents(read: PagesRead): read is PagesRead & { firstProcessedAt: string; lastProcessedAt: string } {
  return read.firstProcessedAt !== null && read.lastProcessedAt !== null;
}

/**
 * Runs `work` while heartbeating `progress()` every second. Heartbeats say "this worker is alive"
 * (the SDK throttles them), so a killed worker's batch is retried after the heartbeat timeout even
 * while a request or an upload is slow; they also deliver a cancellation to the activity.
 */
export async function heartbeating<T>(progress: () => unknown, work: () => Promise<T>): Promise<T> {
  const beat = setInterval(() => heartbeat(progress()), 1_000);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}
