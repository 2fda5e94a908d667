// Whether a bucket's S3 server honours conditional writes, asked once per bucket per worker: the
// write-once objects and the fenced checkpoint rest on them.
import { configFailure } from '../common/failures';
import { PROBE_PREFIX } from '../model/types';
import { putClassified } from './put-classified';
import type { ObjectStore } from './s3';

/** Written with `If-None-Match: *`; a server that honours it answers 412 once the key exists. */
export const PROBE_KEY = `${PROBE_PREFIX}conditional-writes.txt`;

/** True when the server refuses a second `If-None-Match: *` PutObject of one key (412), as AWS S3 does. */
export async function honoursConditionalWrites(params: { store: ObjectStore; bucket: string }): Promise<boolean> {
  const put = () =>
    putClassified(params.store, {
      bucket: params.bucket,
      key: PROBE_KEY,
      body: Buffer.from('audit-collect checks that this S3 server honours If-None-Match (write-once objects)\n'),
      contentType: 'text/plain',
      condition: { create: true },
    });
  // Refused at once: the key exists and the server said so. Else it was created now, or the server ignores the condition.
  if (!(await put()).written) return true;
  return !(await put()).written;
}

export interface ConditionalWrites {
  /** Whether writes to the bucket are fenced; a bucket that cannot be is a needs-a-human error unless accepted. */
  fenced(bucket: string): Promise<boolean>;
}

export function createConditionalWrites(params: { store: ObjectStore; allowUnfenced: boolean }): ConditionalWrites {
  const known = new Map<string, Promise<boolean>>();
  return {
    async fenced(bucket) {
      let answer = known.get(bucket);
      if (!answer) {
        answer = honoursConditionalWrites({ store: params.store, bucket });
        known.set(bucket, answer);
        // An S3 outage is not an answer: ask again next time.
        answer.catch(() => known.delete(bucket));
      }
      if (await answer) return true;
      if (params.allowUnfenced) return false;
      throw configFailure(
        `S3 bucket ${bucket}: the S3 server ignores If-None-Match on PutObject (a second write-once PUT of ${PROBE_KEY} succeeded), ` +
          'so two writers of a rule could overwrite each other. Use an S3 server with conditional writes (AWS S3, MinIO, R2, GCS, versitygw), ' +
          'or set AUDIT_COLLECT_ALLOW_UNFENCED_WRITES=true on the worker to accept that risk (docs/reliability.md), then resume the rule.',
      );
    },
  };
}
