import { ApplicationFailure } from '@temporalio/common';
import {
  ErrorType,
  MAX_RETRY_DELAY_MS,
  classifyAtlassianResponse,
  classifyNetworkError,
  classifyS3Error,
  parseReset,
  retryDelayMs,
  type Headers,
} from '../../activities/errors';

const ORG = '4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4';
const SECRET_BODY = '{"message":"token ATCTT3xSECRETBODY rejected"}';
const NOW = Date.parse('2025-05-19T10:01:10Z');

function atlassian(status: number, headers: Headers = {}, body = SECRET_BODY, nowMs = NOW): ApplicationFailure {
  return classifyAtlassianResponse({ status, headers, body, orgId: ORG, connection: 'acme', apiKeyRef: 'env:ATLASSIAN_API_KEY', nowMs });
}

/** The delay Temporal will use, stored as given (milliseconds). */
function delayOf(failure: ApplicationFailure): number | undefined {
  return failure.nextRetryDelay as number | undefined;
}

describe('classifyAtlassianResponse: needs a human', () => {
  it.each([
    [401, ErrorType.Unauthorized, /API key.*env:ATLASSIAN_API_KEY.*resume/],
    [403, ErrorType.Forbidden, /orgId.*resume/],
    [404, ErrorType.OrgNotFound, /orgId and baseUrl.*resume/],
  ])('%i → nonRetryable %s naming the org and the fix, without the body', (status, type, fix) => {
    const failure = atlassian(status);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe(type);
    expect(failure.message).toContain(ORG);
    expect(failure.message).toContain("'acme'");
    expect(failure.message).toMatch(fix);
    expect(failure.message).not.toContain('SECRETBODY');
  });

  it('400 ADMIN-400-1 → InvalidCursor, nonRetryable', () => {
    const failure = atlassian(400, {}, '{"errors":[{"code":"ADMIN-400-1"}]}');
    expect(failure.type).toBe(ErrorType.InvalidCursor);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(ORG);
  });

  it('another 400 → BadRequest, nonRetryable, without the body', () => {
    const failure = atlassian(400, {}, SECRET_BODY);
    expect(failure.type).toBe(ErrorType.BadRequest);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).not.toContain('SECRETBODY');
  });
});

describe('classifyAtlassianResponse: 429', () => {
  it('is retryable and honours Retry-After seconds first (plus jitter below 2 s)', () => {
    const failure = atlassian(429, { 'retry-after': '10', 'x-ratelimit-reset': '2025-05-19T10:04Z' });
    expect(failure.type).toBe(ErrorType.RateLimited);
    expect(failure.nonRetryable).toBe(false);
    expect(delayOf(failure)).toBeGreaterThanOrEqual(10_000);
    expect(delayOf(failure)).toBeLessThan(12_000);
    expect(failure.message).not.toContain('SECRETBODY');
  });

  it('takes a minute-precision X-RateLimit-Reset as the end of that minute', () => {
    // now 10:01:10, reset "10:01" means some time in that minute → wait until 10:02:00 = 50 s.
    const delay = delayOf(atlassian(429, { 'x-ratelimit-reset': '2025-05-19T10:01Z' }))!;
    expect(delay).toBeGreaterThanOrEqual(50_000);
    expect(delay).toBeLessThan(52_000);
  });

  it('takes a seconds-precision X-RateLimit-Reset as is', () => {
    const delay = delayOf(atlassian(429, { 'x-ratelimit-reset': '2025-05-19T10:01:30Z' }))!;
    expect(delay).toBeGreaterThanOrEqual(20_000);
    expect(delay).toBeLessThan(22_000);
  });

  it('waits the 30 s default without a reset header', () => {
    expect(delayOf(atlassian(429))).toBe(30_000);
  });

  it('clamps to at least 1 s and at most 5 min', () => {
    const past = delayOf(atlassian(429, { 'x-ratelimit-reset': '2025-05-19T09:00:00Z' }))!;
    expect(past).toBeGreaterThanOrEqual(1_000);
    expect(past).toBeLessThan(2_000);
    expect(delayOf(atlassian(429, { 'retry-after': '86400' }))).toBe(MAX_RETRY_DELAY_MS);
    expect(delayOf(atlassian(429, { 'x-ratelimit-reset': '2025-05-19T12:00Z' }))).toBe(MAX_RETRY_DELAY_MS);
    expect(MAX_RETRY_DELAY_MS).toBe(5 * 60_000);
  });
});

describe('retryDelayMs (jitter injected)', () => {
  const at = (headers: Headers, random: number) => retryDelayMs({ headers, nowMs: NOW, random: () => random });

  it('adds jitter below 2 s', () => {
    expect(at({ 'retry-after': '10' }, 0)).toBe(10_000);
    expect(at({ 'retry-after': '10' }, 0.9999)).toBe(11_999);
  });

  it('reads minute and second precision resets exactly', () => {
    expect(at({ 'x-ratelimit-reset': '2025-05-19T10:01Z' }, 0)).toBe(50_000);
    expect(at({ 'x-ratelimit-reset': '2025-05-19T10:01:30Z' }, 0)).toBe(20_000);
  });

  it('clamps to [1 s, 5 min]', () => {
    expect(at({ 'retry-after': '0' }, 0)).toBe(1_000);
    expect(at({ 'retry-after': '600' }, 0)).toBe(300_000);
  });

  it('is undefined with neither header, or unusable ones', () => {
    expect(at({}, 0)).toBeUndefined();
    expect(at({ 'retry-after': 'soon', 'x-ratelimit-reset': 'later' }, 0)).toBeUndefined();
  });
});

describe('classifyAtlassianResponse: 5xx', () => {
  it.each([500, 502, 503])('%i is retryable', (status) => {
    const failure = atlassian(status);
    expect(failure.type).toBe(ErrorType.ServerError);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).not.toContain('SECRETBODY');
  });

  it('503 with Retry-After uses it', () => {
    const delay = delayOf(atlassian(503, { 'retry-after': '20' }))!;
    expect(delay).toBeGreaterThanOrEqual(20_000);
    expect(delay).toBeLessThan(22_000);
  });
});

describe('parseReset', () => {
  it('reads epoch seconds and epoch milliseconds', () => {
    expect(parseReset('1747648860')).toBe(1_747_648_860_000);
    expect(parseReset('1747648860123')).toBe(1_747_648_860_123);
  });

  it('reads ISO in minute precision as the end of the minute, with Z or an offset', () => {
    expect(parseReset('2025-05-19T10:01Z')).toBe(Date.parse('2025-05-19T10:02:00Z'));
    expect(parseReset('2025-05-19T12:01+02:00')).toBe(Date.parse('2025-05-19T10:02:00Z'));
  });

  it('reads ISO in seconds precision as given', () => {
    expect(parseReset('2025-05-19T10:01:30Z')).toBe(Date.parse('2025-05-19T10:01:30Z'));
  });

  it('is undefined for garbage', () => {
    expect(parseReset('tomorrow')).toBeUndefined();
  });
});

describe('classifyS3Error', () => {
  const s3 = (error: unknown) => classifyS3Error({ error, bucket: 'audit-logs', key: 'a/b.json.zst' });
  const sdkError = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

  it('NoSuchBucket → S3BucketMissing, nonRetryable, naming the bucket', () => {
    const failure = s3(sdkError('NoSuchBucket', 404));
    expect(failure.type).toBe(ErrorType.BucketMissing);
    expect(failure.type).toBe('S3BucketMissing');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('audit-logs');
  });

  it.each([
    ['AccessDenied', 403],
    ['InvalidAccessKeyId', 403],
    ['SignatureDoesNotMatch', 403],
    ['SomethingElse', 403],
  ])('%s (HTTP %i) → S3AccessDenied, nonRetryable', (name, status) => {
    const failure = s3(sdkError(name, status));
    expect(failure.type).toBe('S3AccessDenied');
    expect(failure.nonRetryable).toBe(true);
  });

  it('a 500 InternalError is retryable', () => {
    const failure = s3(sdkError('InternalError', 500));
    expect(failure.nonRetryable).toBe(false);
    expect(failure.type).toBe(ErrorType.S3Unavailable);
  });

  it('a network error without $metadata is retryable', () => {
    const failure = s3(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' }));
    expect(failure.nonRetryable).toBe(false);
  });
});

describe('classifyNetworkError', () => {
  it('is retryable and names the code', () => {
    const failure = classifyNetworkError({ error: Object.assign(new Error('timeout'), { code: 'ECONNABORTED' }), what: 'GET events-stream' });
    expect(failure.type).toBe(ErrorType.Network);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('ECONNABORTED');
  });

  it('handles a non-Error value', () => {
    expect(classifyNetworkError({ error: undefined, what: 'x' }).nonRetryable).toBe(false);
  });
});

test('a 5xx ignores X-RateLimit-Reset (sent on every response) and backs off normally', () => {
  const failure = classifyAtlassianResponse({
    status: 500,
    headers: { 'x-ratelimit-reset': '2025-05-19T10:01Z' },
    body: '',
    orgId: 'org',
    connection: 'c',
    apiKeyRef: 'env:K',
    nowMs: Date.parse('2025-05-19T10:00:05Z'),
  });
  expect(failure.nonRetryable).toBe(false);
  expect(failure.nextRetryDelay).toBeUndefined();
});

test('a minute-precision reset still ahead is waited for until that minute starts', () => {
  const delay = retryDelayMs({ headers: { 'x-ratelimit-reset': '2025-05-19T10:01Z' }, nowMs: Date.parse('2025-05-19T10:00:30Z'), random: () => 0 });
  expect(delay).toBe(30_000);
});
