// covers: src/client/check/
// `audit-collect check` without servers: how its lines read, the key-expiry check, what a
// classified failure says as advice, and which line each S3 answer gives.
import type { S3Client } from '@aws-sdk/client-s3';
import { classifyAtlassianResponse } from '../../src/atlassian/errors';
import { classifyNetworkError } from '../../src/atlassian/network-errors';
import { checkConnection, keyExpiryCheck } from '../../src/client/check/atlassian';
import { adviceFrom, fail, pass, report, warn } from '../../src/client/check/result';
import { checkBucket } from '../../src/client/check/s3';
import { PROBE_PREFIX } from '../../src/model/types';
import { checkTemporal } from '../../src/client/check/temporal';
import { checkText } from '../../src/client/check/text';
import { TemporalConnectionError } from '../../src/temporal/connect-failure';
import type { EventSource } from '../../src/atlassian/client';
import type { ConnectionSpec } from '../../src/model/types';

const ORG = '4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4';
const NOW = Date.parse('2026-12-01T12:00:00Z');
const DAY = 86_400_000;
const connection: ConnectionSpec = { name: 'acme', orgId: ORG, apiKeyRef: 'env:ATLASSIAN_API_KEY', baseUrl: 'https://api.atlassian.com' };

describe('checkText', () => {
  const checks = report([
    pass("connection 'acme' events-stream", 'answered 200'),
    warn("connection 'acme' API key expiry", 'expires in 3 days'),
    fail('bucket b s3:PutObject', 'PutObject was denied (AccessDenied): grant the worker s3:PutObject on arn:aws:s3:::b/*'),
  ]);

  test('one line per check, ✓ ! or ✗, then a summary', () => {
    expect(checkText(checks, { color: false }).split('\n')).toEqual([
      "✓ connection 'acme' events-stream: answered 200",
      "! connection 'acme' API key expiry: expires in 3 days",
      '✗ bucket b s3:PutObject: PutObject was denied (AccessDenied): grant the worker s3:PutObject on arn:aws:s3:::b/*',
      '1 of 3 checks failed.',
    ]);
  });

  test('colours only the mark, only when asked', () => {
    const lines = checkText(checks, { color: true }).split('\n');
    expect(lines[0]).toBe("\x1b[32m✓\x1b[0m connection 'acme' events-stream: answered 200");
    expect(lines[2]?.startsWith('\x1b[31m✗\x1b[0m bucket b')).toBe(true);
  });

  test('warnings pass', () => {
    const ok = report([pass('a', 'fine'), warn('b', 'soon')]);
    expect(ok.ok).toBe(true);
    expect(checkText(ok, { color: false }).split('\n').at(-1)).toBe('All checks passed.');
    expect(checks.ok).toBe(false);
  });
});

describe('adviceFrom: classified failures as advice before anything was applied', () => {
  const classify = (status: number) =>
    classifyAtlassianResponse({
      status,
      headers: {},
      body: '',
      orgId: ORG,
      connection: 'acme',
      apiKeyRef: 'env:ATLASSIAN_API_KEY',
      nowMs: NOW,
    }).message;

  test.each([401, 403, 404])('%i keeps the explanation and the fix, without "resume the rule"', (status) => {
    const advice = adviceFrom(classify(status));
    expect(advice).toContain(`answered ${status}`);
    expect(advice).not.toContain('resume');
    expect(advice.endsWith('.')).toBe(true);
  });

  test('a network error without "retrying"', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(adviceFrom(classifyNetworkError({ error, what: 'GET events-stream' }).message)).toBe('GET events-stream failed: ECONNREFUSED');
  });
});

describe('keyExpiryCheck', () => {
  const at = (ms: number) => ({ connection: { ...connection, apiKeyExpiresAt: new Date(ms).toISOString() }, nowMs: NOW });

  test('nothing to say without expiresAt', () => expect(keyExpiryCheck({ connection, nowMs: NOW })).toBeUndefined());
  test('passes with more than 14 days left', () =>
    expect(keyExpiryCheck(at(NOW + 30 * DAY))).toMatchObject({ status: 'pass', message: expect.stringContaining('in 30 days') }));
  test('warns within 14 days', () =>
    expect(keyExpiryCheck(at(NOW + 5 * DAY + 1000))).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('expires in 5 days'),
    }));
  test('fails once past, naming where the new key goes', () =>
    expect(keyExpiryCheck(at(NOW - DAY))).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(
        'expired on 2026-11-30T12:00:00.000Z: create a new key, store it where env:ATLASSIAN_API_KEY points',
      ),
    }));
});

describe('checkConnection', () => {
  const resolver = { resolve: () => 'the-key' };

  test('passes when the page comes back', async () => {
    const calls: unknown[] = [];
    const source: EventSource = { fetchPage: async (p) => (calls.push(p), { events: [], lines: [], processedAtMs: [], nextCursor: null }) };
    const [line] = await checkConnection({ connection, resolver, source, nowMs: NOW });
    expect(line).toMatchObject({ name: "connection 'acme' events-stream", status: 'pass' });
    expect(calls).toEqual([expect.objectContaining({ limit: 1, position: { atMs: NOW - 60_000, idsAtMs: [], cursor: null } })]);
  });

  test('a refusal is the classified message', async () => {
    const source: EventSource = {
      fetchPage: async () => {
        throw classifyAtlassianResponse({
          status: 403,
          headers: {},
          body: '',
          orgId: ORG,
          connection: 'acme',
          apiKeyRef: 'env:X',
          nowMs: NOW,
        });
      },
    };
    const [line] = await checkConnection({ connection, resolver, source, nowMs: NOW });
    expect(line).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('answered 403 Forbidden: the API key does not belong to this organization'),
    });
  });

  test('a reference that does not resolve fails on its own line and sends nothing', async () => {
    const source: EventSource = { fetchPage: jest.fn() };
    const unresolved = {
      resolve: () => {
        throw new Error(
          "connection 'acme' apiKey env:ATLASSIAN_API_KEY names an environment variable that is not set on the worker. Set ATLASSIAN_API_KEY and resume the rule.",
        );
      },
    };
    const [line] = await checkConnection({ connection, resolver: unresolved, source, nowMs: NOW });
    expect(line).toMatchObject({
      name: "connection 'acme' apiKey env:ATLASSIAN_API_KEY",
      status: 'fail',
      message: expect.stringMatching(/Set ATLASSIAN_API_KEY\.$/),
    });
    expect(source.fetchPage).not.toHaveBeenCalled();
  });
});

describe('checkBucket', () => {
  const s3Error = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
  /** A client whose answer to each command is given by its name; anything unlisted succeeds. */
  /** Answers each command with its error in `answers`, else success; a second `If-None-Match: *` PUT of a key gets 412 unless `ignoresConditions`. */
  function fakeS3(
    answers: Record<string, Error>,
    options: { ignoresConditions?: boolean } = {},
  ): { s3: S3Client; sent: Array<{ command: string; key?: string }> } {
    const sent: Array<{ command: string; key?: string }> = [];
    const created = new Set<string>();
    const send = async (command: { constructor: { name: string }; input: { Key?: string; IfNoneMatch?: string } }) => {
      sent.push({ command: command.constructor.name, key: command.input.Key });
      const answer = answers[command.constructor.name];
      if (answer) throw answer;
      const key = command.input.Key ?? '';
      if (command.input.IfNoneMatch === '*' && !options.ignoresConditions) {
        if (created.has(key)) throw s3Error('PreconditionFailed', 412);
        created.add(key);
      }
      return { Body: { transformToByteArray: async () => new Uint8Array() }, ETag: '"e"' };
    };
    return { s3: { send } as unknown as S3Client, sent };
  }

  /** The [name, status] of bucket b's four permission lines, in the order checkBucket reports them. */
  const bucketLines = (statuses: string[]) =>
    ['PutObject', 'GetObject', 'ListBucket', 'DeleteObject'].map((action, n) => [`bucket b s3:${action}`, statuses[n]]);

  test('all four permitted, conditional writes honoured: five passing lines, the probes under _audit-collect/probe/', async () => {
    const { s3, sent } = fakeS3({});
    const lines = await checkBucket({ s3, bucket: 'b', probeId: 'p1' });
    const [put, ...rest] = bucketLines(['pass', 'pass', 'pass', 'pass']);
    expect(lines.map((l) => [l.name, l.status])).toEqual([put, ['bucket b conditional writes', 'pass'], ...rest]);
    expect(sent.map((s) => s.command)).toEqual([
      'PutObjectCommand',
      'PutObjectCommand',
      'PutObjectCommand',
      'GetObjectCommand',
      'ListObjectsV2Command',
      'DeleteObjectCommand',
      'DeleteObjectCommand',
    ]);
    expect(sent[0]!.key).toBe(`${PROBE_PREFIX}p1.txt`);
    expect(sent[1]!.key).toBe(`${PROBE_PREFIX}conditional-writes.txt`);
    // Both probes are removed: check leaves nothing behind.
    expect(sent.slice(-2).map((s) => s.key)).toEqual([`${PROBE_PREFIX}p1.txt`, `${PROBE_PREFIX}conditional-writes.txt`]);
  });

  test('a server that ignores If-None-Match fails the check, naming the setting that accepts it', async () => {
    const { s3 } = fakeS3({}, { ignoresConditions: true });
    const line = (await checkBucket({ s3, bucket: 'b', probeId: 'p1' }))[1]!;
    expect(line).toMatchObject({ name: 'bucket b conditional writes', status: 'fail' });
    expect(line.message).toContain('ignores If-None-Match');
    expect(line.message).toContain('AUDIT_COLLECT_ALLOW_UNFENCED_WRITES=true');
    process.env.AUDIT_COLLECT_ALLOW_UNFENCED_WRITES = 'true';
    try {
      const accepted = (await checkBucket({ s3, bucket: 'b', probeId: 'p1' }))[1]!;
      expect(accepted).toMatchObject({ name: 'bucket b conditional writes', status: 'warn' });
    } finally {
      delete process.env.AUDIT_COLLECT_ALLOW_UNFENCED_WRITES;
    }
  });

  test('each denied permission on its own line with the IAM action to grant', async () => {
    const { s3 } = fakeS3({
      PutObjectCommand: s3Error('AccessDenied', 403),
      GetObjectCommand: s3Error('AccessDenied', 403),
      ListObjectsV2Command: s3Error('AccessDenied', 403),
      DeleteObjectCommand: s3Error('AccessDenied', 403),
    });
    const lines = await checkBucket({ s3, bucket: 'b', probeId: 'p1' });
    expect(lines.map((l) => l.status)).toEqual(['fail', 'fail', 'fail', 'warn']);
    expect(lines.map((l) => l.message)).toEqual([
      'PutObject was denied (AccessDenied): grant the worker s3:PutObject on arn:aws:s3:::b/* (it writes objects and its checkpoint)',
      expect.stringContaining('grant the worker s3:GetObject on arn:aws:s3:::b/*'),
      expect.stringContaining('grant the worker s3:ListBucket on arn:aws:s3:::b '),
      expect.stringContaining(`grant s3:DeleteObject on arn:aws:s3:::b/${PROBE_PREFIX}*`),
    ]);
  });

  test('a read-only bucket: PutObject fails, a missing key reads as NoSuchKey, which shows GetObject is allowed', async () => {
    const { s3 } = fakeS3({
      PutObjectCommand: s3Error('AccessDenied', 403),
      GetObjectCommand: s3Error('NoSuchKey', 404),
      DeleteObjectCommand: s3Error('AccessDenied', 403),
    });
    const lines = await checkBucket({ s3, bucket: 'b', probeId: 'p1' });
    expect(lines.map((l) => [l.name, l.status])).toEqual(bucketLines(['fail', 'pass', 'pass', 'warn']));
  });

  test('a missing bucket is one line with the classified advice', async () => {
    const { s3, sent } = fakeS3({ PutObjectCommand: s3Error('NoSuchBucket', 404) });
    const lines = await checkBucket({ s3, bucket: 'b', probeId: 'p1' });
    expect(lines).toEqual([
      {
        name: 'bucket b',
        status: 'fail',
        message: expect.stringContaining("the bucket does not exist. Create it or fix the rule's destination.bucket"),
      },
    ]);
    expect(lines[0]!.message).not.toContain('resume');
    expect(sent).toHaveLength(1);
  });
});

describe('checkTemporal', () => {
  test('an unreachable server is one ✗ line with what to fix; nothing else is asked', async () => {
    const connect = async (): Promise<never> => {
      throw new TemporalConnectionError('cannot reach Temporal at 127.0.0.1:1 (connection refused): is the server running?', 'unreachable');
    };
    expect(await checkTemporal({ connect, address: '127.0.0.1:1', taskQueues: ['audit-collect'] })).toEqual([
      {
        name: 'Temporal connection',
        status: 'fail',
        message: 'cannot reach Temporal at 127.0.0.1:1 (connection refused): is the server running?',
      },
    ]);
  });
});
