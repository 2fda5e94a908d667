// A reverse proxy in front of the test S3 server: it forwards every request unchanged (the Host
// header too, which SigV4 signs) and streams the answer back, records what it saw, and on a
// test's demand holds, delays or fails chosen requests. A held or delayed request is received in
// full first and forwarded on the proxy's own connection, so it lands upstream even when the
// client that sent it is gone: a slow upload that lands late.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultErrorCode, describeRequest, matches, s3ErrorXml, type RequestMatch, type SeenRequest } from './request';

export type { RequestMatch, SeenRequest } from './request';

export interface S3FaultProxyOptions {
  /** The S3 server, e.g. http://127.0.0.1:17070. */
  target: string;
  /** 0, the default, picks a free port. */
  port?: number;
  host?: string;
  /** Called as each request is answered (upstream's status or the injected one). */
  onAnswered?: (request: SeenRequest) => void;
  /**
   * Forward conditional PutObjects (If-None-Match, If-Match) of one key one at a time, as AWS S3
   * makes them atomic; default true. versitygw 1.7.0 checks, then writes: of 100 pairs of
   * simultaneous conditional PUTs, 9 creates and 6 replaces both succeeded (measured here).
   */
  atomicConditionalWrites?: boolean;
}

export interface Hold {
  /** The first held request has arrived, its body received in full; it is not forwarded yet. */
  reached: Promise<SeenRequest>;
  /** Forwards every request held, and stops holding: later matches go straight through. */
  release(): void;
  /** Upstream answered the first held request (502 if upstream could not be reached). */
  answered: Promise<{ status: number }>;
}

export interface S3FaultProxy {
  url: string;
  port: number;
  /** Every request seen, in arrival order. */
  requests(): SeenRequest[];
  /** Every PutObject seen, in arrival order. */
  puts(): SeenRequest[];
  /** Key -> how many PutObjects of it were answered 2xx. */
  successfulPutsByKey(bucket?: string): Map<string, number>;
  /** Holds matching requests until `release()`. */
  hold(match: RequestMatch): Hold;
  /** Forwards matching requests `ms` after their body has arrived. */
  delay(match: RequestMatch & { ms: number }): void;
  /** Answers matching requests with an S3-style XML error, without forwarding them. */
  fail(match: RequestMatch & { status: number; code?: string; message?: string }): void;
  /** Forgets the rules not used up and what was recorded; requests already held stay held. */
  clear(): void;
  /** Stops; requests still held or delayed are dropped, never forwarded. */
  close(): Promise<void>;
}

interface HoldRule {
  kind: 'hold';
  match: RequestMatch;
  left: number;
  /** Resolves true on release, false when the proxy closes. */
  caught(request: SeenRequest): Promise<boolean>;
  answered(status: number): void;
}

type Rule =
  | HoldRule
  | { kind: 'delay'; match: RequestMatch; left: number; ms: number }
  | { kind: 'fail'; match: RequestMatch; left: number; status: number; code: string; message: string };

// One request takes at most one rule, the first that matches in this order.
const PRECEDENCE: Rule['kind'][] = ['fail', 'hold', 'delay'];

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function readAll(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function clientGone(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  return res.destroyed || res.writableEnded || req.socket.destroyed;
}

function forwardBody(params: { body: Buffer | http.IncomingMessage; upstream: http.ClientRequest }) {
  const { body, upstream } = params;
  if (Buffer.isBuffer(body)) {
    upstream.end(body);
    return;
  }
  body.pipe(upstream);
  // An upload cut off by its client must not reach upstream truncated.
  body.once('close', () => {
    if (!body.complete) upstream.destroy(new Error('the client went away before its request was complete'));
  });
}

export async function startS3FaultProxy(options: S3FaultProxyOptions): Promise<S3FaultProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:') throw new Error(`s3 proxy: target must be an http:// URL, not ${options.target}`);
  const agent = new http.Agent({ keepAlive: true });
  const closing = deferred<void>();
  let rules: Rule[] = [];
  let seen: SeenRequest[] = [];

  function take(request: SeenRequest): Rule | undefined {
    for (const kind of PRECEDENCE) {
      const rule = rules.find((r) => r.kind === kind && matches(r.match, request));
      if (!rule) continue;
      rule.left -= 1;
      if (rule.left <= 0) rules = rules.filter((r) => r !== rule);
      return rule;
    }
    return undefined;
  }

  function settle(request: SeenRequest, status: number) {
    request.status = status;
    request.answeredAt = Date.now();
    options.onAnswered?.(request);
  }

  function sendError(params: { req: http.IncomingMessage; res: http.ServerResponse; status: number; code: string; message: string }) {
    if (clientGone(params.req, params.res) || params.res.headersSent) return;
    const body = s3ErrorXml({ code: params.code, message: params.message, resource: params.req.url ?? '/' });
    params.res.writeHead(params.status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
    params.res.end(body);
  }

  // The conditional PUT of each key last forwarded, which the next one of that key waits for.
  const inTurn = new Map<string, Promise<unknown>>();

  /** `forward`, one conditional PUT of a key at a time (see atomicConditionalWrites). */
  function forward(params: Parameters<typeof send>[0]): Promise<number> {
    const { request } = params;
    const conditional = request.putObject && (request.ifNoneMatch !== undefined || request.ifMatch !== undefined);
    if (!conditional || options.atomicConditionalWrites === false) return send(params);
    const id = `${request.bucket}/${request.key}`;
    const answered = (inTurn.get(id) ?? Promise.resolve()).then(() => send(params));
    inTurn.set(id, answered);
    void answered.finally(() => inTurn.get(id) === answered && inTurn.delete(id));
    return answered;
  }

  /** Sends the request upstream and its answer back, if the client is still there; resolves with upstream's status. */
  function send(params: {
    req: http.IncomingMessage;
    res: http.ServerResponse;
    request: SeenRequest;
    body: Buffer | http.IncomingMessage;
  }): Promise<number> {
    const { req, res, request, body } = params;
    return new Promise((resolve) => {
      const upstream = http.request({
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.rawHeaders,
        agent,
      });
      upstream.once('response', (answer) => {
        const status = answer.statusCode ?? 502;
        settle(request, status);
        answer.once('close', () => resolve(status));
        if (clientGone(req, res)) {
          answer.resume();
          return;
        }
        res.writeHead(status, answer.statusMessage, answer.rawHeaders);
        answer.pipe(res);
        // A client that leaves mid-answer must not leave the upstream connection stuck, nor the
        // client wait for an answer upstream broke off.
        res.once('close', () => answer.resume());
        answer.once('error', () => res.destroy());
      });
      upstream.once('error', (error) => {
        if (request.status === null) {
          settle(request, 502);
          sendError({ req, res, status: 502, code: 'BadGateway', message: `s3 proxy: upstream: ${error.message}` });
        }
        resolve(502);
      });
      forwardBody({ body, upstream });
    });
  }

  const waitOrClose = (wait: Promise<boolean>) => Promise.race([wait, closing.promise.then(() => false)]);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const request = describeRequest(req, Date.now());
    seen.push(request);
    const rule = take(request);
    if (!rule) {
      await forward({ req, res, request, body: req });
      return;
    }
    const body = await readAll(req);
    if (rule.kind === 'fail') {
      settle(request, rule.status);
      return sendError({ req, res, status: rule.status, code: rule.code, message: rule.message });
    }
    if (rule.kind === 'delay') {
      const ms = rule.ms;
      const waited = await waitOrClose(new Promise((resolve) => setTimeout(() => resolve(true), ms).unref()));
      if (waited) await forward({ req, res, request, body });
      return;
    }
    if (!(await waitOrClose(rule.caught(request)))) return;
    rule.answered(await forward({ req, res, request, body }));
  }

  function newHold(match: RequestMatch): Hold {
    const reached = deferred<SeenRequest>();
    const answered = deferred<{ status: number }>();
    const gate = deferred<boolean>();
    let caughtAny = false;
    let answeredAny = false;
    const rule: HoldRule = {
      kind: 'hold',
      match,
      left: match.times ?? 1,
      caught(request) {
        if (!caughtAny) reached.resolve(request);
        caughtAny = true;
        return gate.promise;
      },
      answered(status) {
        if (!answeredAny) answered.resolve({ status });
        answeredAny = true;
      },
    };
    rules.push(rule);
    return {
      reached: reached.promise,
      answered: answered.promise,
      release() {
        rules = rules.filter((r) => r !== rule);
        gate.resolve(true);
      },
    };
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) =>
      sendError({ req, res, status: 500, code: 'InternalError', message: `s3 proxy: ${String(error)}` }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: () => seen.map((r) => ({ ...r })),
    puts: () => seen.filter((r) => r.putObject).map((r) => ({ ...r })),
    successfulPutsByKey(bucket) {
      const counts = new Map<string, number>();
      for (const r of seen) {
        if (!r.putObject || r.status === null || r.status < 200 || r.status > 299) continue;
        if (bucket !== undefined && r.bucket !== bucket) continue;
        counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
      }
      return counts;
    },
    hold: newHold,
    delay(params) {
      const { ms, ...match } = params;
      rules.push({ kind: 'delay', match, left: match.times ?? 1, ms });
    },
    fail(params) {
      const { status, code, message, ...match } = params;
      const errorCode = code ?? defaultErrorCode(status);
      rules.push({ kind: 'fail', match, left: match.times ?? 1, status, code: errorCode, message: message ?? `Injected ${errorCode}` });
    },
    clear() {
      rules = [];
      seen = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing.resolve();
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
