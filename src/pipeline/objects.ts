// Consecutive objects of a live rule's stream: the collect-batch activity and the benchmark's
// floor both run this loop, so the floor measures the same pipeline without Temporal.
import type { ConnectionSpec, KeyLayout, StreamPosition } from '../model/types';
import { samePlace } from '../model/position';
import type { PagesRead } from './read-pages';
import type { AuditSource } from './source';
import { hasEvents, writeEvents } from './write-events';
import type { ObjectStore } from '../storage/s3';
import type { Compressor } from './zstd';
import { objectKey } from '../storage/keys';

export interface ObjectDone {
  /** Where this object's pages began. */
  start: StreamPosition;
  /** Where the next object starts: after this object's events as they are stored. */
  position: StreamPosition;
  events: number;
  lastProcessedAt: string | null;
  caughtUp: boolean;
  /** The stored cursor was refused and the read went on from `atMs`. */
  cursorRefused: boolean;
  /** Events read again that were already written, skipped; of those, processed before the read's start (see PagesRead). */
  repeated: number;
  behind: number;
  /** Events kept without a string `id`. */
  withoutId: number;
  /** Null when the pages held no events (the cursor may still have moved). */
  key: string | null;
  rawBytes: number;
  bytes: number;
  /** The key was taken (another writer, or an earlier attempt): the object there stands, and is what this describes. */
  existed: boolean;
}

/**
 * Reads `pagesPerObject` pages at a time from `start` and uploads each read as one object, named by
 * its first event, reading the next object's pages while the previous one uploads. `done` hears of
 * each object once it is in S3, in order, and the next upload waits for it (so at most one object
 * is ever in S3 beyond what `done` recorded); `another` is asked before each object after the first.
 * Ends when the stream is caught up or `another` says no. When a read fails, the upload in flight is
 * still finished and reported before the error is thrown. When a key is taken by an object that
 * ends elsewhere than the read did, the pages read ahead are dropped and reading resumes after the
 * stored object's last event.
 */
export async function collectObjects(params: {
  source: AuditSource;
  store: ObjectStore;
  compressor: Compressor;
  connection: ConnectionSpec;
  apiKey: string;
  bucket: string;
  prefix: string;
  layout?: KeyLayout;
  ruleId: string;
  start: StreamPosition;
  pageLimit: number;
  pagesPerObject: number;
  /** Write-once objects (`If-None-Match: *`); false only where the S3 server cannot and the operator accepted it. */
  fenced: boolean;
  /** The newest processedAt that is settled, asked before each read; absent, everything read is. */
  horizonMs?: () => number;
  another: () => boolean;
  done: (object: ObjectDone) => Promise<void>;
  onPage?: (progress: { pages: number; events: number }) => void;
}): Promise<void> {
  const { store, bucket, prefix, layout, ruleId } = params;

  async function write(start: StreamPosition, read: PagesRead): Promise<ObjectDone> {
    let object: ObjectDone = {
      start,
      position: read.position,
      events: read.body.events,
      lastProcessedAt: read.lastProcessedAt,
      caughtUp: read.caughtUp,
      cursorRefused: read.cursorRefused,
      repeated: read.repeated,
      behind: read.behind,
      withoutId: read.withoutId,
      key: null,
      rawBytes: 0,
      bytes: 0,
      existed: false,
    };
    if (hasEvents(read)) {
      const key = objectKey({ prefix, layout, ruleId, first: read.first });
      const written = await writeEvents({
        store,
        compressor: params.compressor,
        bucket,
        key,
        ruleId,
        start,
        read,
        fenced: params.fenced,
        source: params.source,
      });
      object = { ...object, ...written, key };
    }
    await params.done(object);
    return object;
  }

  let inFlight: Promise<ObjectDone> | undefined;
  try {
    for (let start = params.start; ;) {
      const read = await params.source.read({ ...params, start, maxPages: params.pagesPerObject, horizonMs: params.horizonMs?.() });
      const previous = await inFlight;
      inFlight = undefined;
      if (previous && !samePlace(previous.position, start)) {
        // The previous key held an object that ends elsewhere: what was read ahead starts at the wrong place.
        start = previous.position;
        if (!params.another()) return;
        continue;
      }
      inFlight = write(start, read);
      // Awaited before the next upload or at the end; until then a failure is not unhandled.
      inFlight.catch(() => undefined);
      if (read.caughtUp || !params.another()) break;
      start = read.position;
    }
  } catch (error) {
    await inFlight?.catch(() => undefined);
    throw error;
  }
  await inFlight;
}
