// The object sink: S3 (or any S3-compatible server) through the AWS SDK.
import { GetObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { isPreconditionFailed } from './s3-errors';

/**
 * A conditional write: `create` only when no object has the key (`If-None-Match: *`), `replace`
 * only when the object is still the version with that ETag (`If-Match`).
 */
export type PutCondition = { create: true } | { replace: string };

export interface PutParams {
  bucket: string;
  key: string;
  body: Buffer;
  contentType: string;
  contentEncoding?: string;
  metadata?: Record<string, string>;
  condition?: PutCondition;
}

/** Written, with the new version's ETag; or not, because the condition failed: the key exists, or holds another version now (412). */
export type PutOutcome = { written: true; etag: string | undefined } | { written: false };

export interface StoredObject {
  body: Buffer;
  etag: string | undefined;
}

export interface ObjectStore {
  put(params: PutParams): Promise<PutOutcome>;
  /** The object's bytes and ETag, or undefined when there is no such key. */
  get(params: { bucket: string; key: string }): Promise<StoredObject | undefined>;
}

/** A replace whose version is gone (the object was deleted since): S3 answers 404, and the condition fails all the same. */
function versionGone(condition: PutCondition, error: unknown): boolean {
  return 'replace' in condition && (error as { name?: string } | null)?.name === 'NoSuchKey';
}

/**
 * Endpoint, region and credentials come from the AWS SDK's standard environment
 * (AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, ...); path-style is a switch because
 * S3-compatible servers usually need it.
 */
export function createS3Client(params: { forcePathStyle: boolean; config?: S3ClientConfig }): S3Client {
  return new S3Client({ forcePathStyle: params.forcePathStyle, maxAttempts: 3, ...params.config });
}

export function createS3Store(s3: S3Client): ObjectStore {
  return {
    async put(p) {
      try {
        const out = await s3.send(
          new PutObjectCommand({
            Bucket: p.bucket,
            Key: p.key,
            Body: p.body,
            ContentType: p.contentType,
            ContentEncoding: p.contentEncoding,
            Metadata: p.metadata,
            IfNoneMatch: p.condition && 'create' in p.condition ? '*' : undefined,
            IfMatch: p.condition && 'replace' in p.condition ? p.condition.replace : undefined,
          }),
        );
        return { written: true, etag: out.ETag };
      } catch (error) {
        if (p.condition && (isPreconditionFailed(error) || versionGone(p.condition, error))) return { written: false };
        throw error;
      }
    },
    async get({ bucket, key }) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { body: Buffer.from(await out.Body!.transformToByteArray()), etag: out.ETag };
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
  };
}
