// Uploading what was read as one NDJSON zstd object, written once: a key that is already taken
// keeps what is there.
import { putClassified } from '../storage/put-classified';
import type { ObjectStore } from '../storage/s3';
import type { PagesRead } from './read-pages';
import type { AuditSource } from './source';
import { readStoredEvents } from './stored-object';
import { positionAfterEvents, samePlace } from '../model/position';
import type { StreamPosition } from '../model/types';
import type { Compressor } from './zstd';

/** An object in S3 after a write: what it holds, and where the next read starts. */
export interface WrittenObject {
  /** The key was taken (another writer, or an earlier attempt): the object there stands, and is what this describes. */
  existed: boolean;
  /** After the object's events as stored: the read's own position when they are the events read. */
  position: StreamPosition;
  events: number;
  lastProcessedAt: string | null;
  /** Caught up only when the stored events are the ones read (else the read went elsewhere). */
  caughtUp: boolean;
  rawBytes: number;
  bytes: number;
}

/**
 * Uploads what was read from `start` as one NDJSON zstd object, with the metadata every events
 * object carries; S3 errors come back classified. Write-once (`If-None-Match: *`) unless `fenced` is
 * false: when the key exists (another writer, or an earlier attempt, wrote it), nothing is
 * overwritten, and the object there is read back: the next read continues after its events.
 */
export async function writeEvents(params: {
  store: ObjectStore;
  compressor: Compressor;
  bucket: string;
  key: string;
  ruleId: string;
  start: StreamPosition;
  read: PagesRead;
  fenced: boolean;
  /** The source that read the events: how the object already at the key is read back. */
  source: AuditSource;
}): Promise<WrittenObject> {
  const { store, bucket, key, read } = params;
  const body = await read.body.finish();
  const outcome = await putClassified(store, {
    bucket,
    key,
    body,
    contentType: 'application/x-ndjson',
    contentEncoding: 'zstd',
    metadata: {
      'rule-id': params.ruleId,
      'event-count': String(read.body.events),
      'first-processed-at': read.firstProcessedAt ?? '',
      'last-processed-at': read.lastProcessedAt ?? '',
    },
    ...(params.fenced && { condition: { create: true } }),
  });
  const asRead = {
    existed: false,
    position: read.position,
    events: read.body.events,
    lastProcessedAt: read.lastProcessedAt,
    caughtUp: read.caughtUp,
    rawBytes: read.body.rawBytes,
    bytes: body.length,
  };
  if (outcome.written) return asRead;
  const identify = (lines: string[]) => params.source.identify({ lines, start: params.start });
  const stored = await readStoredEvents({ store, compressor: params.compressor, bucket, key, identify });
  const position = positionAfterEvents(params.start, stored.events);
  const same = samePlace(position, read.position);
  return {
    existed: true,
    // The same events as read: the read's cursor and tail still hold; else read on from the stored end.
    position: same ? read.position : position,
    events: stored.events.length,
    lastProcessedAt: stored.lastProcessedAt,
    caughtUp: same && read.caughtUp,
    rawBytes: stored.rawBytes,
    bytes: stored.bytes,
  };
}

/** The read kept events, so there is an object to write, named by its first event. */
export function hasEvents(read: PagesRead): read is PagesRead & { first: { id: string; processedAtMs: number } } {
  return read.first !== null;
}
