// covers: src/atlassian/errors.ts, src/atlassian/network-errors.ts, src/atlassian/retry-delay.ts, src/storage/s3-errors.ts, src/common/failures.ts
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../src/common/failures';
import { MAX_RETRY_DELAY_MS, parseReset, retryDelayMs, type Headers } from '../../src/atlassian/retry-delay';
import { classifyAtlassianResponse } from '../../src/atlassian/errors';
import { classifyNetworkError, checkApiKey } from '../../src/atlassian/network-errors';
import { S3_REFUSED_ATTEMPTS, classifyS3Error, isConditionalConflict, isPreconditionFailed } from '../../src/storage/s3-errors';

const ORG = '4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4';
const SECRET_BODY = '{"message":"token ATCTT3xSECRETBODY rejected"}';
const NOW = Date.parse('2025-05-19T10:01:10Z');

function atlassian(status: number, headers: Headers = {}, body = SECRET_BODY, nowMs = NOW): ApplicationFailure {
  return classifyAtlassianResponse({ status, headers, body, orgId: ORG, connection: 'acme', apiKeyRef: 'env:ATLASSIAN_API_KEY', nowMs });
}

/** The delay Temporal will use, stored as given (milliseconds). */
/** Expects the failure's retry delay to be `ms` plus a jitter below 2 s. */
function expectDelayWithJitter(failure: ApplicationFailure, ms: number): void {
  const delay = delayOf(failure)!;
  expect(delay).toBeGreaterThanOrEqual(ms);
  expect(delay).toBeLessThan(ms + 2_000);
}

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
    expectDelayWithJitter(failure, 10_000);
    expect(failure.message).not.toContain('SECRETBODY');
  });

  it('takes a minute-precision X-RateLimit-Reset as the end of that minute', () => {
    // now 10:01:10, reset "10:01" means some time in that minute → wait until 10:02:00 = 50 s.
    expectDelayWithJitter(atlassian(429, { 'x-ratelimit-reset': '2025-05-19T10:01Z' }), 50_000);
  });

  it('takes a seconds-precision X-RateLimit-Reset as is', () => {
    expectDelayWithJitter(atlassian(429, { 'x-ratelimit-reset': '2025-05-19T10:01:30Z' }), 20_000);
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
    expectDelayWithJitter(atlassian(503, { 'retry-after': '20' }), 20_000);
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
    ['SomethingElse', 403],
    ['constructor', 403],
  ])('%s (HTTP %i) → S3AccessDenied, nonRetryable, naming the permissions the worker needs', (name, status) => {
    const failure = s3(sdkError(name, status));
    expect(failure.type).toBe('S3AccessDenied');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/s3:PutObject, s3:GetObject and s3:ListBucket/);
    expect(failure.message).toContain('writing a/b.json.zst');
  });

  const FAKE_AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKESECRET';
  it.each([
    ['InvalidAccessKeyId', 403],
    ['SignatureDoesNotMatch', 403],
    ['ExpiredToken', 400],
    ['TokenRefreshRequired', 400],
    ['InvalidToken', 400],
  ])('%s (HTTP %i) → S3CredentialsError, nonRetryable, fix the worker credentials, no secret', (name, status) => {
    const error = Object.assign(new Error(`${name}: signed with ${FAKE_AWS_SECRET}`), { name, $metadata: { httpStatusCode: status } });
    const failure = s3(error);
    expect(failure.type).toBe(ErrorType.S3Credentials);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/Fix the worker's AWS credentials/);
    expect(failure.message).not.toContain(FAKE_AWS_SECRET);
  });

  it('a CredentialsProviderError (no HTTP status: the SDK found no credentials) needs a human', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
      tryNextLink: false,
    });
    const failure = s3(error);
    expect(failure.type).toBe(ErrorType.S3Credentials);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/no usable AWS credentials.*Fix the worker's AWS credentials/);
  });

  it('GetObject denied: names s3:GetObject and s3:ListBucket, which a missing checkpoint needs to read as not found', () => {
    for (const error of [sdkError('AccessDenied', 403), sdkError('Forbidden', 403)]) {
      const failure = classifyS3Error({ error, bucket: 'audit-logs', key: '_audit-collect/state/r.json', operation: 'GetObject' });
      expect(failure.type).toBe(ErrorType.S3AccessDenied);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toMatch(/s3:GetObject and s3:ListBucket/);
      expect(failure.message).toMatch(/missing checkpoint reads as 403 instead of not found/);
      expect(failure.message).toContain('reading _audit-collect/state/r.json');
    }
  });

  it('GetObject credential errors keep their own advice', () => {
    const failure = classifyS3Error({ error: sdkError('ExpiredToken', 400), bucket: 'b', key: 'k', operation: 'GetObject' });
    expect(failure.type).toBe(ErrorType.S3Credentials);
    expect(failure.message).toContain('reading k');
  });

  it('RequestTimeTooSkewed (403) names the clock, not permissions', () => {
    const failure = s3(sdkError('RequestTimeTooSkewed', 403));
    expect(failure.type).toBe(ErrorType.Config);
    expect(failure.message).toMatch(/clock/);
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

  // The SDK's code and message stay in the text: `Error writing …` alone says nothing.
  describe("the SDK's code and message are kept", () => {
    const withMessage = (name: string, status: number, message: string) =>
      Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

    it.each([
      [
        'a connection refused',
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED', $metadata: { attempts: 3 } }),
        'S3 bucket audit-logs: ECONNREFUSED writing a/b.json.zst: connect ECONNREFUSED 127.0.0.1:9000; retrying',
      ],
      [
        // Node 20+ tries every address of a host and reports an AggregateError with no message.
        'an AggregateError with only a code',
        Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' }),
        'S3 bucket audit-logs: ECONNREFUSED writing a/b.json.zst; retrying',
      ],
      [
        'a 503 SlowDown',
        withMessage('SlowDown', 503, 'Please reduce your request rate.'),
        'S3 bucket audit-logs: SlowDown (HTTP 503) writing a/b.json.zst: Please reduce your request rate.; retrying',
      ],
    ])('%s', (_name, error, message) => {
      const failure = s3(error);
      expect(failure.nonRetryable).toBe(false);
      expect(failure.type).toBe(ErrorType.S3Unavailable);
      expect(failure.message).toBe(message);
    });

    it('a needs-a-human row keeps the code and message after the fix', () => {
      const failure = s3(withMessage('NoSuchBucket', 404, 'The specified bucket does not exist'));
      expect(failure.message).toBe(
        "S3 bucket audit-logs: the bucket does not exist. Create it or fix the rule's destination.bucket, then resume the rule " +
          '(NoSuchBucket writing a/b.json.zst: The specified bucket does not exist).',
      );
    });

    it("masks the worker's AWS secret and session token should a message quote them", () => {
      const saved = { ...process.env };
      Object.assign(process.env, { AWS_SECRET_ACCESS_KEY: FAKE_AWS_SECRET, AWS_SESSION_TOKEN: 'session-token-8c1f' });
      try {
        const failure = s3(withMessage('InternalError', 500, `failed with ${FAKE_AWS_SECRET} and session-token-8c1f`));
        expect(failure.message).toContain('failed with *** and ***');
        expect(failure.message).not.toContain(FAKE_AWS_SECRET);
      } finally {
        process.env = saved;
      }
    });

    it('cuts a long message short, on one line', () => {
      const failure = s3(withMessage('InternalError', 500, `line one\n${'x'.repeat(1_000)}`));
      expect(failure.message).not.toContain('\n');
      expect(failure.message.length).toBeLessThan(450);
    });
  });

  describe('the region and the endpoint', () => {
    it('"Region is missing" (thrown by the SDK before any request) needs a human: set AWS_REGION', () => {
      const failure = s3(new Error('Region is missing'));
      expect(failure.type).toBe(ErrorType.Config);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toMatch(/^S3 bucket audit-logs: no AWS region is set on the worker\. Set AWS_REGION/);
      expect(failure.message).toContain('(Error writing a/b.json.zst: Region is missing)');
    });

    it('an empty AWS_REGION (the SDK: region="" is not a valid hostname component) reads as no region, the message kept', () => {
      const failure = s3(new Error('Region not accepted: region="" is not a valid hostname component.'));
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toMatch(/^S3 bucket audit-logs: no AWS region is set on the worker\. Set AWS_REGION/);
      expect(failure.message).toContain('Region not accepted: region="" is not a valid hostname component.');
    });

    const notFound = () =>
      Object.assign(new Error('getaddrinfo ENOTFOUND minio.internal'), {
        code: 'ENOTFOUND',
        hostname: 'minio.internal',
        $metadata: { attempts: 1 },
      });

    it('an endpoint host that does not resolve needs a human: fix AWS_ENDPOINT_URL_S3', () => {
      const failure = s3(notFound());
      expect(failure.type).toBe(ErrorType.Config);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toMatch(/the S3 endpoint host minio\.internal does not resolve\. Fix AWS_ENDPOINT_URL_S3/);
      expect(failure.message).toContain('(ENOTFOUND writing a/b.json.zst: getaddrinfo ENOTFOUND minio.internal)');
    });

    it('within an activity, it is retried for a few attempts first (a DNS blip passes)', () => {
      const at = (attempt: number) => classifyS3Error({ error: notFound(), bucket: 'audit-logs', key: 'k', attempt });
      expect(at(1).nonRetryable).toBe(false);
      expect(at(1).message).toMatch(/\(attempt 1 of 5 before the rule pauses: the S3 endpoint host minio\.internal does not resolve/);
      expect(at(S3_REFUSED_ATTEMPTS - 1).nonRetryable).toBe(false);
      expect(at(S3_REFUSED_ATTEMPTS).nonRetryable).toBe(true);
    });

    it('EAI_AGAIN (the resolver did not answer) is always retried', () => {
      const error = Object.assign(new Error('getaddrinfo EAI_AGAIN minio.internal'), { code: 'EAI_AGAIN' });
      expect(classifyS3Error({ error, bucket: 'b', key: 'k', attempt: 50 }).nonRetryable).toBe(false);
    });
  });

  describe('4xx outside the table', () => {
    const refused = () =>
      Object.assign(new Error('Object Lock configuration is invalid'), { name: 'InvalidRequest', $metadata: { httpStatusCode: 400 } });
    const at = (error: unknown, attempt?: number) => classifyS3Error({ error, bucket: 'audit-logs', key: 'a/b.json.zst', attempt });

    it('are retried, saying how many attempts are left', () => {
      const failure = at(refused(), 2);
      expect(failure.nonRetryable).toBe(false);
      expect(failure.message).toBe(
        'S3 bucket audit-logs: InvalidRequest (HTTP 400) writing a/b.json.zst: Object Lock configuration is invalid (attempt 2 of 5 before the rule pauses); retrying',
      );
    });

    it(`need a human from attempt ${S3_REFUSED_ATTEMPTS} on, with the code and message`, () => {
      for (const attempt of [S3_REFUSED_ATTEMPTS, S3_REFUSED_ATTEMPTS + 3]) {
        const failure = at(refused(), attempt);
        expect(failure.type).toBe(ErrorType.S3Refused);
        expect(failure.nonRetryable).toBe(true);
        expect(failure.message).toMatch(new RegExp(`S3 refused the request ${attempt} times in a row \\(HTTP 400\\)`));
        expect(failure.message).toContain('(InvalidRequest writing a/b.json.zst: Object Lock configuration is invalid)');
      }
    });

    it('without an attempt number (a caller that cannot count) stay retryable', () => {
      expect(at(refused()).nonRetryable).toBe(false);
    });

    it.each([
      ['RequestTimeout', 408, ErrorType.S3Unavailable],
      ['OperationAborted', 409, ErrorType.S3Conflict],
      ['ConditionalRequestConflict', 409, ErrorType.S3Conflict],
      ['TooManyRequests', 429, ErrorType.S3Unavailable],
      ['ClientClosedRequest', 499, ErrorType.S3Unavailable],
      ['PreconditionFailed', 412, ErrorType.S3Conflict],
    ])('%s (HTTP %i) is retryable, whatever the attempt', (name, status, type) => {
      const failure = at(sdkError(name, status), 99);
      expect(failure.nonRetryable).toBe(false);
      expect(failure.type).toBe(type);
      expect(failure.message).toContain(`${name} (HTTP ${status}) writing a/b.json.zst`);
    });
  });

  describe('conditional writes: left to the caller', () => {
    it.each([
      [
        'the SDK name',
        Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed' }),
        true,
      ],
      ['HTTP 412 alone', { $metadata: { httpStatusCode: 412 } }, true],
      ['a 409 ConditionalRequestConflict', sdkError('ConditionalRequestConflict', 409), false],
      ['a 404', sdkError('NoSuchKey', 404), false],
      ['not an object', 'PreconditionFailed', false],
    ])('isPreconditionFailed: %s → %s', (_name, error, expected) => {
      expect(isPreconditionFailed(error)).toBe(expected);
    });

    it.each([
      ['ConditionalRequestConflict', sdkError('ConditionalRequestConflict', 409), true],
      ['another 409', sdkError('OperationAborted', 409), false],
      ['a 412', sdkError('PreconditionFailed', 412), false],
      ['undefined', undefined, false],
    ])('isConditionalConflict: %s → %s', (_name, error, expected) => {
      expect(isConditionalConflict(error)).toBe(expected);
    });
  });
});

describe('classifyNetworkError', () => {
  it('is retryable and names the code', () => {
    const failure = classifyNetworkError({
      error: Object.assign(new Error('timeout'), { code: 'ECONNABORTED' }),
      what: 'GET events-stream',
    });
    expect(failure.type).toBe(ErrorType.Network);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('ECONNABORTED');
  });

  it('handles a non-Error value', () => {
    expect(classifyNetworkError({ error: undefined, what: 'x' }).nonRetryable).toBe(false);
  });

  const what = `GET events-stream of Atlassian org ${ORG}`;
  const baseUrl = 'https://api.atlassian.com';

  it.each([
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  ])('TLS %s needs a human: baseUrl, proxy, NODE_EXTRA_CA_CERTS', (code) => {
    // As axios throws it: an AxiosError carrying the TLS code.
    const error = Object.assign(new Error('self-signed certificate'), { name: 'AxiosError', code });
    const failure = classifyNetworkError({ error, what, baseUrl });
    expect(failure.type).toBe(ErrorType.TlsCertificate);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(`certificate of ${baseUrl} could not be verified (${code})`);
    expect(failure.message).toMatch(/baseUrl.*proxy.*NODE_EXTRA_CA_CERTS.*resume/);
  });

  it('a TLS code on the cause (fetch) is found too', () => {
    const error = Object.assign(new TypeError('fetch failed'), { cause: { code: 'CERT_HAS_EXPIRED' } });
    expect(classifyNetworkError({ error, what, baseUrl }).type).toBe(ErrorType.TlsCertificate);
  });

  const FAKE_KEY = 'ATCTT3xFfGN0FAKEKEYVALUE';
  it("an API key a header cannot carry (ERR_INVALID_CHAR) needs a human, naming the key's reference, never its value", () => {
    const error = Object.assign(new TypeError(`Invalid character in header content ["Authorization"]: Bearer ${FAKE_KEY}\n`), {
      code: 'ERR_INVALID_CHAR',
    });
    const failure = classifyNetworkError({ error, what, baseUrl, connection: 'acme', apiKeyRef: 'env:ATLASSIAN_API_KEY' });
    expect(failure.type).toBe(ErrorType.ApiKeyUnusable);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/connection 'acme': the API key contains characters a header cannot carry/);
    expect(failure.message).toMatch(/store the key alone.*env:ATLASSIAN_API_KEY/i);
    expect(failure.message).not.toContain(FAKE_KEY);
    expect(failure.message).not.toContain('Bearer');
  });

  it("fetch's invalid-header TypeError (which quotes the value) is the same, without the value", () => {
    const error = new TypeError(`Headers.append: "Bearer ${FAKE_KEY}\n" is an invalid header value.`);
    const failure = classifyNetworkError({ error, what });
    expect(failure.type).toBe(ErrorType.ApiKeyUnusable);
    expect(failure.message).toContain("the connection's apiKey reference");
    expect(failure.message).not.toContain(FAKE_KEY);
  });

  it.each(['ENOTFOUND', 'EAI_AGAIN'])('DNS %s keeps retrying, naming the host that could not be resolved', (code) => {
    const error = Object.assign(new Error(`getaddrinfo ${code} api.atlasian.com`), { code, hostname: 'api.atlasian.com' });
    const failure = classifyNetworkError({ error, what, baseUrl: 'https://api.atlasian.com' });
    expect(failure.type).toBe(ErrorType.Network);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain(`host api.atlasian.com could not be resolved (${code}); retrying`);
    expect(failure.message).toContain('baseUrl');
  });

  it('DNS without a hostname on the error names the baseUrl host', () => {
    const failure = classifyNetworkError({ error: { code: 'ENOTFOUND' }, what, baseUrl: 'https://org.example:8443/x' });
    expect(failure.message).toContain('host org.example:8443 could not be resolved');
  });

  it('ECONNREFUSED stays retryable', () => {
    const failure = classifyNetworkError({
      error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      what,
      baseUrl,
    });
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('ECONNREFUSED; retrying');
  });
});

describe('checkApiKey', () => {
  const FAKE_KEY = 'ATCTT3xFfGN0FAKEKEYVALUE';
  it('passes a printable ASCII key', () => {
    expect(checkApiKey({ apiKey: FAKE_KEY, apiKeyRef: 'env:ATLASSIAN_API_KEY' })).toBeUndefined();
  });

  it.each([
    [`${FAKE_KEY.slice(0, 8)}\n${FAKE_KEY.slice(8)}`, 'a line break'],
    [`${FAKE_KEY}\u0000`, 'a control character'],
    [`${FAKE_KEY}\u2014`, 'a non-ASCII character'],
    [`${FAKE_KEY}é`, 'a non-ASCII character'],
  ])('rejects a key with %j: %s, naming the reference, never the key', (apiKey, kind) => {
    const failure = checkApiKey({ apiKey, connection: 'acme', apiKeyRef: 'file:/run/secrets/acme' });
    expect(failure?.type).toBe(ErrorType.ApiKeyUnusable);
    expect(failure?.nonRetryable).toBe(true);
    expect(failure?.message).toContain(`(${kind})`);
    expect(failure?.message).toContain('file:/run/secrets/acme');
    expect(failure?.message).not.toContain(FAKE_KEY.slice(0, 8));
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
  const delay = retryDelayMs({
    headers: { 'x-ratelimit-reset': '2025-05-19T10:01Z' },
    nowMs: Date.parse('2025-05-19T10:00:30Z'),
    random: () => 0,
  });
  expect(delay).toBe(30_000);
});
