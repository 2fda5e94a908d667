// Consecutive objects of a live rule's stream: the collect-batch activity and the benchmark's
// floor both run this loop, so the floor measures the same pipeline without Temporal.
import type { ConnectionSpec, KeyLayout, StreamPosition } from '../model/types';
import { readPages, type PagesRead } from './read-pages';
import { hasEvents, writeEvents } from './write-events';
import type { EventSource } from '../atlassian/client';
import type { ObjectStore } from '../storage/s3';
import type { Compressor } from './zstd';
import { objectKey } from '../storage/keys';

export interface ObjectDone {
  /** Where this object's pages began. */
  start: StreamPosition;
  read: PagesRead;
  /** Null when the pages held no events (the cursor may still have moved). */
  key: string | null;
  rawBytes: number;
  bytes: number;
}

/**
 * Reads `pagesPerObject` pages at a time from `start` and uploads each read as one object, named by
 * its first event, reading the next object's pages while the previous one uploads. `done` hears of
 * each object once it is in S3, in order, and the next upload waits for it (so at most one object
 * is ever in S3 beyond what `done` recorded); `another` is asked before each object after the first. Ends when the stream is caught up or `another` says no. When a read fails, the upload
 * in flight is still finished and reported before the error is thrown.
 */
export async function collectObjects(params: {
  source: EventSource;
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
  another: () => boolean;
  done: (object: ObjectDone) => Promise<void>;
  onPage?: (progress: { pages: number; events: number }) => void;
}): Promise<void> {
  const { store, bucket, prefix, layout, ruleId } = params;

  async function write(start: StreamPosition, read: PagesRead): Promise<void> {
    let object: ObjectDone = { start, read, key: null, rawBytes: 0, bytes: 0 };
    if (hasEvents(read)) {
      const key = objectKey({ prefix, layout, ruleId, first: read.first });
      object = { ...object, key, ...(await writeEvents({ store, bucket, key, ruleId, read })) };
    }
    await params.done(object);
  }

  let inFlight: Promise<void> | undefined;
  try {
    for (let start = params.start; ;) {
      const read = await readPages({ ...params, start, maxPages: params.pagesPerObject });
      if (inFlight) await inFlight;
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
