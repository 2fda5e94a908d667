import { classifyS3Error } from '../common/errors';
import type { ObjectStore, PutParams } from './s3';

/** A PutObject whose S3 errors come back classified (retryable or needs-a-human). */
export async function putClassified(store: ObjectStore, params: PutParams): Promise<void> {
  try {
    await store.put(params);
  } catch (error) {
    throw classifyS3Error({ error, bucket: params.bucket, key: params.key });
  }
}
