// Reading one batch of pages and writing it as one NDJSON zstd object: shared by the collect-batch
// and backfill-batch activities and the benchmark's Temporal-free floor, so all do the same work.
import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ConnectionSpec, Position } from '../workflows/types';
import { ErrorType, classifyS3Error } from './errors';
import type { AuditEvent, EventSource } from './io/atlassian';
import type { Priority } from './io/pacer';
import type { ObjectStore, PutParams } from './io/s3';
import type { Compressor } from './io/zstd';

export interface PagesRead {
  /** Each event's JSON text as the API sent it, in stream order. */
  lines: string[];
  firstProcessedAt: string | null;
  lastProcessedAt: string | null;
  /** Where the next batch starts. */
  position: Position;
  /** The API gave a short or empty page: nothing more to read for now. */
  caughtUp: boolean;
  /** Events read but not kept (see `keep`); first/lastProcessedAt cover kept events only. */
  dropped: number;
}

/** Follows up to `maxPages` pages from `start`; only the events' texts are kept, not parsed objects. */
export async function readPages(params: {
  source: EventSource;
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
  const read: PagesRead = { lines: [], firstProcessedAt: null, lastProcessedAt: null, position: params.start, caughtUp: false, dropped: 0 };
  for (let page = 0; page < params.maxPages && !read.caughtUp; page++) {
    const result = await source.fetchPage({ connection, apiKey, position: read.position, limit: pageLimit, priority });
    if (keep) {
      result.events.forEach((event, index) => {
        if (!keep(event)) {
          read.dropped += 1;
          return;
        }
        read.lines.push(result.lines[index]);
        read.firstProcessedAt ??= event.attributes.processedAt;
        read.lastProcessedAt = event.attributes.processedAt;
      });
    } else {
      for (const line of result.lines) read.lines.push(line);
      if (result.events.length > 0) {
        read.firstProcessedAt ??= result.events[0].attributes.processedAt;
        read.lastProcessedAt = result.events[result.events.length - 1].attributes.processedAt;
      }
    }
    params.onPage?.({ pages: page + 1, events: read.lines.length });
    if (result.nextCursor === null) {
      if (result.events.length > 0 && !params.closedWindow) {
        // Without a cursor past these events the next batch could not start after them.
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

/** One event per line, each line `\n`-terminated. */
export function toNdjson(lines: string[]): Buffer {
  return Buffer.from(lines.join('\n') + '\n');
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
 * Writes the lines as one NDJSON object in a zstd frame, with the metadata every events object
 * carries; S3 errors come back classified. Returns the raw and the compressed size.
 */
export async function writeEvents(params: {
  store: ObjectStore;
  compressor: Compressor;
  bucket: string;
  key: string;
  ruleId: string;
  lines: string[];
  firstProcessedAt: string;
  lastProcessedAt: string;
}): Promise<{ rawBytes: number; bytes: number }> {
  const { bucket, key } = params;
  const raw = toNdjson(params.lines);
  const body = await params.compressor.compress(raw);
  await putClassified(params.store, {
    bucket,
    key,
    body,
    contentType: 'application/x-ndjson',
    contentEncoding: 'zstd',
    metadata: {
      'rule-id': params.ruleId,
      'event-count': String(params.lines.length),
      'first-processed-at': params.firstProcessedAt,
      'last-processed-at': params.lastProcessedAt,
    },
  });
  return { rawBytes: raw.length, bytes: body.length };
}

/**
 * Runs `work` while heartbeating `progress` every second. Heartbeats say "this worker is alive" (the
 * SDK throttles them), so a killed worker's batch is retried after the heartbeat timeout even while
 * a request or an upload is slow; they also deliver a cancellation to the activity.
 */
export async function heartbeating<T>(progress: object, work: () => Promise<T>): Promise<T> {
  const beat = setInterval(() => heartbeat(progress), 1_000);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}
