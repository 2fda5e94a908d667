// Uploading what was read as one NDJSON zstd object, with the metadata every events object carries.
import { putClassified } from '../storage/put-classified';
import type { ObjectStore } from '../storage/s3';
import type { PagesRead } from './read-pages';

/**
 * Uploads what was read as one NDJSON zstd object, with the metadata every events object carries;
 * S3 errors come back classified. Returns the raw and the compressed size.
 */
export async function writeEvents(params: {
  store: ObjectStore;
  bucket: string;
  key: string;
  ruleId: string;
  read: PagesRead;
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
      'first-processed-at': read.firstProcessedAt ?? '',
      'last-processed-at': read.lastProcessedAt ?? '',
    },
  });
  return { rawBytes: read.body.rawBytes, bytes: body.length };
}

/** The read kept events, so there is an object to write, named by its first event. */
export function hasEvents(read: PagesRead): read is PagesRead & { first: { id: string; processedAtMs: number } } {
  return read.first !== null;
}
