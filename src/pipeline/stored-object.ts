// An events object already in S3, read back: when a write-once PUT finds its key taken, the object
// there is the truth, and the next read continues after its last event.
import { classifyS3Error } from '../storage/s3-errors';
import { eventIdOf, processedAtOf, type AuditEvent } from '../atlassian/client';
import type { ObjectStore } from '../storage/s3';
import type { Compressor } from './zstd';

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
  const text = raw.toString('utf8');
  const events: StoredEvents['events'] = [];
  let lastProcessedAt: string | null = null;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const event = JSON.parse(line) as AuditEvent;
    const processedAtMs = processedAtOf(event);
    events.push({ id: eventIdOf(event, line), processedAtMs });
    if (processedAtMs !== undefined) lastProcessedAt = event.attributes?.processedAt as string;
  }
  return { events, lastProcessedAt, rawBytes: raw.length, bytes: stored.body.length };
}
