// The failure an S3 SDK error becomes: retryable (5xx, throttling, network) or needs-a-human
// (missing bucket, access denied, bad credentials, wrong region or clock), with the fix.
import type { ApplicationFailure } from '@temporalio/common';
import { ErrorType, needsAHuman, retryable } from './error-types';

const FIX_CREDENTIALS = "Fix the worker's AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or its instance role)";

const S3_NEEDS_A_HUMAN: Record<string, { type: string; advice: string }> = {
  NoSuchBucket: { type: ErrorType.BucketMissing, advice: "the bucket does not exist. Create it or fix the rule's destination.bucket" },
  AccessDenied: {
    type: ErrorType.S3AccessDenied,
    advice: 'access denied. Grant the worker s3:PutObject, s3:GetObject and s3:ListBucket on the bucket',
  },
  AllAccessDisabled: { type: ErrorType.S3AccessDenied, advice: 'all access to the bucket is disabled' },
  InvalidAccessKeyId: { type: ErrorType.S3Credentials, advice: `the S3 access key is not known. ${FIX_CREDENTIALS}` },
  SignatureDoesNotMatch: { type: ErrorType.S3Credentials, advice: `the S3 secret key does not match. ${FIX_CREDENTIALS}` },
  ExpiredToken: { type: ErrorType.S3Credentials, advice: `the worker's AWS session token has expired. ${FIX_CREDENTIALS}` },
  TokenRefreshRequired: { type: ErrorType.S3Credentials, advice: `the worker's AWS session token must be refreshed. ${FIX_CREDENTIALS}` },
  InvalidToken: { type: ErrorType.S3Credentials, advice: `the worker's AWS session token is malformed. ${FIX_CREDENTIALS}` },
  // Thrown by the SDK before any request: no provider in the chain (environment, profile, instance role) had credentials.
  CredentialsProviderError: { type: ErrorType.S3Credentials, advice: `the worker has no usable AWS credentials. ${FIX_CREDENTIALS}` },
  InvalidBucketName: { type: ErrorType.BucketMissing, advice: "the bucket name is invalid. Fix the rule's destination.bucket" },
  PermanentRedirect: { type: ErrorType.Config, advice: "the bucket is in another region. Set AWS_REGION to the bucket's region" },
  RequestTimeTooSkewed: { type: ErrorType.Config, advice: "the worker's clock is more than 15 minutes off. Synchronize it (NTP)" },
};

// On AWS, GetObject of a missing key answers 403 AccessDenied (not 404 NoSuchKey) to a caller
// without s3:ListBucket, so a rule's first run could never find that it has no checkpoint yet.
const GET_ACCESS_DENIED = {
  type: ErrorType.S3AccessDenied,
  advice:
    'access denied. Grant the worker s3:GetObject and s3:ListBucket on the bucket (without ListBucket, a missing checkpoint reads as 403 instead of not found)',
};

/** Turns an S3 SDK error into retryable (5xx, throttling, network) or needs-a-human. */
export function classifyS3Error(params: {
  error: unknown;
  bucket: string;
  key: string;
  operation?: 'PutObject' | 'GetObject';
}): ApplicationFailure {
  const err = params.error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const name = err?.Code ?? err?.name ?? 'Error';
  const status = err?.$metadata?.httpStatusCode;
  const reading = params.operation === 'GetObject';
  const row = Object.prototype.hasOwnProperty.call(S3_NEEDS_A_HUMAN, name) ? S3_NEEDS_A_HUMAN[name] : undefined;
  const denied = name === 'AccessDenied' || (status === 403 && !row);
  const human = denied ? (reading ? GET_ACCESS_DENIED : S3_NEEDS_A_HUMAN.AccessDenied) : row;
  const doing = `${reading ? 'reading' : 'writing'} ${params.key}`;
  if (human) {
    return needsAHuman(human.type, `S3 bucket ${params.bucket}: ${human.advice}, then resume the rule (${name} ${doing}).`);
  }
  return retryable(ErrorType.S3Unavailable, `S3 bucket ${params.bucket}: ${name}${status ? ` (HTTP ${status})` : ''} ${doing}; retrying`);
}
