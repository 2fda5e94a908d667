// What the fault proxy knows about one S3 request: bucket and key from a path-style URL, the
// conditional headers, and what was answered; and how a test picks requests out.
import type http from 'node:http';

export interface SeenRequest {
  method: string;
  bucket: string;
  /** URL-decoded; '' for a request on the bucket itself. */
  key: string;
  /** The raw query string without '?', e.g. 'x-id=PutObject'. */
  query: string;
  /** A PutObject: PUT of a key with no sub-resource query (not a part upload, copy, tagging…). */
  putObject: boolean;
  ifNoneMatch?: string;
  ifMatch?: string;
  /** When the proxy had the request's headers (ms since epoch). */
  at: number;
  /** Upstream's status, or the injected one; null until answered. */
  status: number | null;
  answeredAt: number | null;
}

export interface RequestMatch {
  method?: string;
  bucket?: string;
  key?: string | RegExp | ((key: string) => boolean);
  /** How many matching requests the rule applies to (default 1; Infinity for all). */
  times?: number;
}

export function describeRequest(req: http.IncomingMessage, at: number): SeenRequest {
  const url = new URL(req.url ?? '/', 'http://s3');
  const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
  const key = decodeURIComponent(rest.join('/'));
  const method = req.method ?? 'GET';
  const names = [...url.searchParams.keys()];
  const xId = url.searchParams.get('x-id');
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const ifNoneMatch = header('if-none-match');
  const ifMatch = header('if-match');
  return {
    method,
    bucket: decodeURIComponent(bucket),
    key,
    query: url.search.slice(1),
    putObject: method === 'PUT' && key !== '' && names.every((n) => n === 'x-id') && (xId === null || xId === 'PutObject'),
    ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}),
    ...(ifMatch !== undefined ? { ifMatch } : {}),
    at,
    status: null,
    answeredAt: null,
  };
}

export function matches(match: RequestMatch, request: SeenRequest): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== request.method) return false;
  if (match.bucket !== undefined && match.bucket !== request.bucket) return false;
  const { key } = match;
  if (key === undefined) return true;
  if (typeof key === 'string') return key === request.key;
  if (key instanceof RegExp) return key.test(request.key);
  return key(request.key);
}

/** An S3-style XML error body. */
export function s3ErrorXml(params: { code: string; message: string; resource: string }): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escape(params.code)}</Code><Message>${escape(params.message)}</Message>` +
    `<Resource>${escape(params.resource)}</Resource><RequestId>s3-fault-proxy</RequestId></Error>`
  );
}

const CODES: Record<number, string> = {
  400: 'BadRequest',
  403: 'AccessDenied',
  404: 'NoSuchKey',
  409: 'ConditionalRequestConflict',
  412: 'PreconditionFailed',
  500: 'InternalError',
  502: 'BadGateway',
  503: 'SlowDown',
};

export function defaultErrorCode(status: number): string {
  return CODES[status] ?? (status >= 500 ? 'InternalError' : 'BadRequest');
}
