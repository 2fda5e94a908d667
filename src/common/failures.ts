// The failure types an activity can end with, and the two kinds of failure: needs-a-human (fails
// fast, the message says what to fix) or retryable (Temporal tries again, after the delay if given).
import { ApplicationFailure } from '@temporalio/common';

export const ErrorType = {
  Unauthorized: 'AtlassianUnauthorized',
  Forbidden: 'AtlassianForbidden',
  OrgNotFound: 'AtlassianOrgNotFound',
  InvalidCursor: 'AtlassianInvalidCursor',
  BadRequest: 'AtlassianBadRequest',
  RateLimited: 'AtlassianRateLimited',
  ServerError: 'AtlassianServerError',
  MalformedResponse: 'AtlassianMalformedResponse',
  StuckAtMillisecond: 'AtlassianStuckAtMillisecond',
  Network: 'NetworkError',
  TlsCertificate: 'TlsCertificateError',
  ApiKeyUnusable: 'AtlassianApiKeyUnusable',
  BucketMissing: 'S3BucketMissing',
  S3AccessDenied: 'S3AccessDenied',
  S3Credentials: 'S3CredentialsError',
  S3Unavailable: 'S3Unavailable',
  S3Conflict: 'S3Conflict',
  S3Refused: 'S3RequestRefused',
  Config: 'ConfigError',
  ScheduleNotFound: 'ScheduleNotFound',
  PauseFailed: 'PauseRuleFailed',
} as const;

export function needsAHuman(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

export function retryable(type: string, message: string, nextRetryDelayMs?: number): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: false, nextRetryDelay: nextRetryDelayMs });
}

export function configFailure(message: string): ApplicationFailure {
  return needsAHuman(ErrorType.Config, message);
}
