// The object sink: S3 (or any S3-compatible server) through the AWS SDK.
import { GetObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

export interface PutParams {
  bucket: string;
  key: string;
  body: Buffer;
  contentType: string;
  contentEncoding?: string;
  metadata?: Record<string, string>;
}

export interface ObjectStore {
  put(params: PutParams): Promise<void>;
  /** The object's bytes, or undefined when there is no such key. */
  get(params: { bucket: string; key: string }): Promise<Buffer | undefined>;
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
      await s3.send(
        new PutObjectCommand({
          Bucket: p.bucket,
          Key: p.key,
          Body: p.body,
          ContentType: p.contentType,
          ContentEncoding: p.contentEncoding,
          Metadata: p.metadata,
        }),
      );
    },
    async get({ bucket, key }) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await out.Body!.transformToByteArray());
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
  };
}
