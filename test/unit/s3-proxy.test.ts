import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startS3FaultProxy, type S3FaultProxy } from '../../dev/s3-proxy/proxy';

/** What the fake upstream received, in the order requests were complete. */
interface Received {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
  at: number;
}

/**
 * A stand-in for the S3 server: answers PUT 200 (412 to `If-None-Match: *` on a key it has), GET
 * with what was PUT, in a chunked answer sent in two writes.
 */
async function fakeUpstream(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const objects = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body, at: Date.now() });
      const path = new URL(req.url!, 'http://s3').pathname;
      if (req.method === 'PUT') {
        if (req.headers['if-none-match'] === '*' && objects.has(path)) {
          res.writeHead(412, { 'Content-Type': 'application/xml' });
          return res.end('<Error><Code>PreconditionFailed</Code></Error>');
        }
        objects.set(path, body);
        res.writeHead(200, { ETag: '"etag-1"', 'X-Upstream': 'yes' });
        return res.end();
      }
      const object = objects.get(path);
      if (object === undefined) {
        res.writeHead(404, { 'Content-Type': 'application/xml' });
        return res.end('<Error><Code>NoSuchKey</Code></Error>');
      }
      res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Upstream': 'yes' });
      res.write(object.slice(0, 3));
      setTimeout(() => res.end(object.slice(3)), 20);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to the proxy; `chunks` are written one by one, without a Content-Length. */
function send(params: {
  proxy: S3FaultProxy;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  chunks?: string[];
  onRequest?: (req: http.ClientRequest) => void;
}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(params.proxy.url);
    const req = http.request(
      { host: url.hostname, port: url.port, method: params.method, path: params.path, headers: params.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    params.onRequest?.(req);
    if (params.chunks) {
      for (const chunk of params.chunks) req.write(chunk);
      req.end();
    } else req.end(params.body);
  });
}

const put = (proxy: S3FaultProxy, key: string, body: string, headers: Record<string, string> = {}) =>
  send({ proxy, method: 'PUT', path: `/bucket/${key}?x-id=PutObject`, body, headers });

const waitFor = async (check: () => boolean) => {
  for (let n = 0; n < 200 && !check(); n++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

let upstream: Awaited<ReturnType<typeof fakeUpstream>>;
let proxy: S3FaultProxy;

beforeEach(async () => {
  upstream = await fakeUpstream();
  proxy = await startS3FaultProxy({ target: upstream.url, port: 0 });
});

afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

describe('forwarding', () => {
  it('passes method, path, query, headers as received (Host too) and body, and the answer back', async () => {
    const answer = await send({
      proxy,
      method: 'PUT',
      path: '/bucket/2026/01/a%20b.json?x-id=PutObject',
      headers: { Host: 'signed-host.example:9000', 'X-Amz-Meta-Thing': 'One', 'content-type': 'application/zstd' },
      body: 'hello object',
    });
    expect(answer).toMatchObject({ status: 200, headers: { etag: '"etag-1"', 'x-upstream': 'yes' } });
    const [seen] = upstream.received;
    expect(seen).toMatchObject({ method: 'PUT', url: '/bucket/2026/01/a%20b.json?x-id=PutObject', body: 'hello object' });
    expect(seen!.rawHeaders).toEqual(
      expect.arrayContaining(['Host', 'signed-host.example:9000', 'X-Amz-Meta-Thing', 'One', 'content-type', 'application/zstd']),
    );
    expect(seen!.rawHeaders[seen!.rawHeaders.indexOf('Host') + 1]).toBe('signed-host.example:9000');
  });

  it('streams a chunked body up and a chunked answer down', async () => {
    await send({ proxy, method: 'PUT', path: '/bucket/k', chunks: ['abc', 'def', 'ghi'] });
    expect(upstream.received[0]!.body).toBe('abcdefghi');
    expect(upstream.received[0]!.rawHeaders.map((h) => h.toLowerCase())).toContain('chunked');
    const answer = await send({ proxy, method: 'GET', path: '/bucket/k' });
    expect(answer).toMatchObject({ status: 200, body: 'abcdefghi', headers: { 'transfer-encoding': 'chunked' } });
  });

  it('answers 502 BadGateway when upstream cannot be reached', async () => {
    await upstream.close();
    const answer = await put(proxy, 'k', 'x');
    expect(answer.status).toBe(502);
    expect(answer.body).toContain('<Code>BadGateway</Code>');
    expect(proxy.puts().map((p) => p.status)).toEqual([502]);
  });
});

describe('records', () => {
  it('lists every PutObject with its conditional headers and status, and counts the 2xx ones by key', async () => {
    await put(proxy, 'state/r1.json', '{}', { 'If-None-Match': '*' });
    await put(proxy, 'state/r1.json', '{}', { 'If-None-Match': '*' });
    await put(proxy, 'state/r1.json', '{"b":1}', { 'If-Match': '"etag-1"' });
    await put(proxy, 'a%2Fb%20c', 'x');
    await send({ proxy, method: 'GET', path: '/bucket/state/r1.json' });
    await send({ proxy, method: 'PUT', path: '/bucket/big?partNumber=1&uploadId=u', body: 'part' });
    await send({ proxy, method: 'PUT', path: '/other/state/r1.json?x-id=PutObject', body: '{}' });

    expect(proxy.puts().map(({ bucket, key, status, ifNoneMatch, ifMatch }) => ({ bucket, key, status, ifNoneMatch, ifMatch }))).toEqual([
      { bucket: 'bucket', key: 'state/r1.json', status: 200, ifNoneMatch: '*', ifMatch: undefined },
      { bucket: 'bucket', key: 'state/r1.json', status: 412, ifNoneMatch: '*', ifMatch: undefined },
      { bucket: 'bucket', key: 'state/r1.json', status: 200, ifNoneMatch: undefined, ifMatch: '"etag-1"' },
      { bucket: 'bucket', key: 'a/b c', status: 200, ifNoneMatch: undefined, ifMatch: undefined },
      { bucket: 'other', key: 'state/r1.json', status: 200, ifNoneMatch: undefined, ifMatch: undefined },
    ]);
    expect(proxy.successfulPutsByKey('bucket')).toEqual(
      new Map([
        ['state/r1.json', 2],
        ['a/b c', 1],
      ]),
    );
    expect(proxy.successfulPutsByKey().get('state/r1.json')).toBe(3);
    expect(proxy.requests().map((r) => `${r.method} ${r.key} ${r.putObject}`)).toContain('PUT big false');
    expect(proxy.puts().every((p) => typeof p.at === 'number' && p.answeredAt! >= p.at)).toBe(true);

    proxy.clear();
    expect(proxy.requests()).toEqual([]);
  });
});

describe('hold', () => {
  it('keeps a matching request, its body received, until release; others pass meanwhile', async () => {
    const hold = proxy.hold({ method: 'PUT', key: (k) => k.includes('/2026/') });
    const held = put(proxy, 'data/2026/01/x.json.zst', 'held body');
    const reached = await hold.reached;
    expect(reached).toMatchObject({ method: 'PUT', bucket: 'bucket', key: 'data/2026/01/x.json.zst', status: null });

    expect((await put(proxy, 'state/r1.json', 'passes')).status).toBe(200);
    expect(upstream.received.map((r) => r.body)).toEqual(['passes']);
    expect(proxy.puts().map((p) => p.status)).toEqual([null, 200]);

    hold.release();
    expect(await hold.answered).toEqual({ status: 200 });
    expect((await held).status).toBe(200);
    expect(upstream.received.map((r) => r.body)).toEqual(['passes', 'held body']);
    // Released: the next match goes straight through.
    expect((await put(proxy, 'data/2026/01/y.json.zst', 'free')).status).toBe(200);
  });

  it('still forwards a held request on release after its client went away', async () => {
    const hold = proxy.hold({ method: 'PUT', key: /state\//, times: 1 });
    let client: http.ClientRequest | undefined;
    const held = send({
      proxy,
      method: 'PUT',
      path: '/bucket/state/r1.json',
      body: 'late checkpoint',
      onRequest: (req) => (client = req),
    }).catch((error: Error) => error.message);
    await hold.reached;
    client!.destroy();
    expect(await held).toMatch(/socket hang up|ECONNRESET/);
    await new Promise((r) => setTimeout(r, 50));
    expect(upstream.received).toEqual([]);

    hold.release();
    expect(await hold.answered).toEqual({ status: 200 });
    expect(upstream.received.map((r) => r.body)).toEqual(['late checkpoint']);
    expect(proxy.successfulPutsByKey()).toEqual(new Map([['state/r1.json', 1]]));
  });

  it('holds `times` requests and releases them together', async () => {
    const hold = proxy.hold({ method: 'PUT', times: 2 });
    const first = put(proxy, 'a', '1');
    const second = put(proxy, 'b', '2');
    await hold.reached;
    await waitFor(() => proxy.puts().length === 2);
    expect(upstream.received).toEqual([]);
    hold.release();
    expect((await Promise.all([first, second])).map((a) => a.status)).toEqual([200, 200]);
    expect(upstream.received.map((r) => r.body).sort()).toEqual(['1', '2']);
  });

  it('drops what it still holds when the proxy closes', async () => {
    const hold = proxy.hold({ key: 'k' });
    const held = put(proxy, 'k', 'never').catch((error: Error) => error.message);
    await hold.reached;
    await proxy.close();
    expect(await held).toMatch(/socket hang up|ECONNRESET/);
    hold.release();
    await new Promise((r) => setTimeout(r, 50));
    expect(upstream.received).toEqual([]);
  });
});

describe('delay', () => {
  it('forwards matching requests `ms` after they arrived, `times` of them', async () => {
    proxy.delay({ method: 'PUT', key: /state\//, ms: 300, times: 1 });
    const started = Date.now();
    expect((await put(proxy, 'state/r1.json', 'slow')).status).toBe(200);
    expect(upstream.received[0]!.at - started).toBeGreaterThanOrEqual(290);
    const again = Date.now();
    await put(proxy, 'state/r1.json', 'fast');
    expect(upstream.received[1]!.at - again).toBeLessThan(250);
  });
});

describe('fail', () => {
  it('answers matching requests with an S3 XML error without forwarding, `times` of them', async () => {
    proxy.fail({ method: 'PUT', key: 'obj', status: 503, code: 'SlowDown', times: 2 });
    const answers = [await put(proxy, 'obj', 'a'), await put(proxy, 'obj', 'b'), await put(proxy, 'obj', 'c')];
    expect(answers.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(answers[0]!.headers['content-type']).toBe('application/xml');
    expect(answers[0]!.body).toContain('<Code>SlowDown</Code>');
    expect(answers[0]!.body).toContain('<Resource>/bucket/obj?x-id=PutObject</Resource>');
    expect(upstream.received.map((r) => r.body)).toEqual(['c']);
    expect(proxy.puts().map((p) => p.status)).toEqual([503, 503, 200]);
    expect(proxy.successfulPutsByKey()).toEqual(new Map([['obj', 1]]));
  });

  it('takes precedence over a hold, and names a default code for the status', async () => {
    proxy.hold({ key: 'obj' });
    proxy.fail({ key: 'obj', status: 500 });
    const answer = await put(proxy, 'obj', 'a');
    expect(answer.status).toBe(500);
    expect(answer.body).toContain('<Code>InternalError</Code>');
  });
});

describe('conditional writes of one key, one at a time', () => {
  /** An upstream that checks, waits, then writes (as versitygw's posix backend does): racing creates both succeed. */
  async function checkThenWriteUpstream(): Promise<{ url: string; close(): Promise<void> }> {
    const keys = new Set<string>();
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const exists = keys.has(req.url!);
        setTimeout(() => {
          if (req.headers['if-none-match'] === '*' && exists) {
            res.writeHead(412);
            return res.end();
          }
          keys.add(req.url!);
          res.writeHead(200);
          res.end();
        }, 50);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
    };
  }

  test.each([
    [true, [200, 412]],
    [false, [200, 200]],
  ])('atomicConditionalWrites %s: two simultaneous If-None-Match PUTs answered %j', async (atomic, statuses) => {
    const racy = await checkThenWriteUpstream();
    const serial = await startS3FaultProxy({ target: racy.url, port: 0, atomicConditionalWrites: atomic });
    try {
      const answers = await Promise.all(['a', 'b'].map((body) => put(serial, 'same-key', body, { 'If-None-Match': '*' })));
      expect(answers.map((a) => a.status).sort()).toEqual(statuses);
      expect(serial.successfulPutsByKey('bucket').get('same-key')).toBe(statuses.filter((s) => s === 200).length);
    } finally {
      await serial.close();
      await racy.close();
    }
  });
});
