import { classifyS3Error } from './s3-errors';
import type { ObjectStore, PutOutcome, PutParams } from './s3';

/** A PutObject whose S3 errors come back classified (retryable or needs-a-human); a failed condition is an outcome, not an error. */
export async function putClassified(store: ObjectStore, params: PutParams): Promise<PutOutcome> {
  try {
    return await store.put(params);
  } catch (error) {
    throw classifyS3Error({ error, bucket: params.bucket, key: params.key });
  }
}
