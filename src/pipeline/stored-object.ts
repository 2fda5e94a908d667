// An events object already in S3, read back: when a write-once PUT finds its key taken, the object
// there is the truth, and the next read continues after its last event.
import { classifyS3Error } from '../storage/s3-errors';
import type { ObjectStore } from '../storage/s3';
import type { Compressor } from './zstd';

/** A stored line's event ID and time, as the source that read it identifies it. */
export interface StoredLine {
  id: string;
  processedAtMs: number | undefined;
  /** The time as the API wrote it (ISO), when the line has one. */
  processedAt: string | null;
}

export interface StoredEvents {
  /** Each line's event ID and processedAt (ms), in the object's order. */
  events: Array<{ id: string; processedAtMs: number | undefined }>;
  /** processedAt of the last event that has one, as the API wrote it. */
  lastProcessedAt: string | null;
  rawBytes: number;
  bytes: number;
}

/** The events of the object at `key`, as a writer stored them. */
export async function readStoredEvents(params: {
  store: ObjectStore;
  compressor: Compressor;
  bucket: string;
  key: string;
  identify: (lines: string[]) => StoredLine[];
}): Promise<StoredEvents> {
  const { bucket, key } = params;
  let stored;
  try {
    stored = await params.store.get({ bucket, key });
  } catch (error) {
    throw classifyS3Error({ error, bucket, key, operation: 'GetObject' });
  }
  // Answered 412 a moment ago: a key that is gone again was deleted by hand; the retry writes it.
  if (!stored) throw new Error(`s3://${bucket}/${key} existed a moment ago and is gone; retrying`);
  const raw = await params.compressor.decompress(stored.body);
  const lines = raw
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '');
  const events: StoredEvents['events'] = [];
  let lastProcessedAt: string | null = null;
  for (const { id, processedAtMs, processedAt } of params.identify(lines)) {
    events.push({ id, processedAtMs });
    if (processedAtMs !== undefined) lastProcessedAt = processedAt;
  }
  return { events, lastProcessedAt, rawBytes: raw.length, bytes: stored.body.length };
}
