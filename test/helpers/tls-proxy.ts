// A TLS-terminating gRPC proxy in front of the plaintext test dev server, standing in for Temporal
// Cloud or a self-hosted server with TLS: it requires a client certificate (mtls) or an
// `authorization: Bearer <key>` header (api-key), and forwards each HTTP/2 stream's headers, data
// and trailers unchanged. Also throwaway certificates made with the `openssl` command at test time.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface TestCerts {
  /** The CA that signed the server and client certificates. */
  caCert: string;
  /** A CA that signed nothing here: trusting it instead of caCert is the "wrong CA" case. */
  otherCaCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `openssl req` arguments for a new unencrypted P-256 key, written to `keyFile`. */
function newEcKeyArgs(keyFile: string): string[] {
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile];
}

const subjectArgs = (name: string) => ['-subj', `/CN=audit-collect test ${name}`];

function newCa(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  openssl(dir, [
    'req',
    '-x509',
    ...newEcKeyArgs(key),
    '-out',
    cert,
    '-days',
    '2',
    ...subjectArgs(name),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { cert, key };
}

function newLeaf(params: { dir: string; name: string; ca: { cert: string; key: string }; extensions: string[] }): {
  cert: string;
  key: string;
} {
  const { dir, name, ca } = params;
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    ['basicConstraints=CA:FALSE', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid', ...params.extensions].join('\n'),
  );
  openssl(dir, ['req', '-new', ...newEcKeyArgs(key), '-out', csr, ...subjectArgs(name)]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    cert,
    '-extfile',
    ext,
  ]);
  return { cert, key };
}

/** Fresh certificates in `dir`; the server's names are `serverName` and 127.0.0.1. */
export function makeTestCerts(params: { dir: string; serverName: string }): TestCerts {
  const { dir } = params;
  execFileSync('openssl', ['version'], { stdio: 'ignore' }); // fails clearly if openssl is missing
  const ca = newCa(dir, 'ca');
  const other = newCa(dir, 'other-ca');
  const server = newLeaf({
    dir,
    name: 'server',
    ca,
    extensions: [
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=DNS:${params.serverName},IP:127.0.0.1`,
    ],
  });
  const client = newLeaf({ dir, name: 'client', ca, extensions: ['keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'] });
  return {
    caCert: ca.cert,
    otherCaCert: other.cert,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
  };
}

export type ProxyAuth = { kind: 'mtls'; clientCaCert: string } | { kind: 'api-key'; apiKey: string };

export interface TlsProxy {
  address: string;
  /** gRPC calls forwarded to the dev server (so a test can tell that traffic went through here). */
  readonly forwarded: number;
  /** gRPC calls refused for a missing or wrong API key. */
  readonly refused: number;
  close(): Promise<void>;
}

const DROPPED_REQUEST_HEADERS = new Set([':scheme', ':authority']);

export async function startTlsProxy(params: {
  upstream: string;
  serverCert: string;
  serverKey: string;
  auth: ProxyAuth;
}): Promise<TlsProxy> {
  const { auth } = params;
  const server = http2.createSecureServer({
    allowHTTP1: false,
    cert: readFileSync(params.serverCert),
    key: readFileSync(params.serverKey),
    ...(auth.kind === 'mtls' ? { ca: readFileSync(auth.clientCaCert), requestCert: true, rejectUnauthorized: true } : {}),
  });
  let upstream: http2.ClientHttp2Session | undefined;
  const session = (): http2.ClientHttp2Session => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = http2.connect(`http://${params.upstream}`);
      upstream.on('error', () => undefined); // its streams report the failure
    }
    return upstream;
  };
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    s.on('error', () => undefined);
  });
  // Failed handshakes (no client certificate, an untrusted server certificate) are the point of some tests.
  server.on('tlsClientError', () => undefined);
  let forwarded = 0;
  let refused = 0;

  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (auth.kind === 'api-key' && headers.authorization !== `Bearer ${auth.apiKey}`) {
      refused++;
      // A trailers-only gRPC response, as Temporal Cloud answers an unknown key.
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'Request unauthorized.' },
        { endStream: true },
      );
      return;
    }
    forwarded++;
    const request: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) if (!DROPPED_REQUEST_HEADERS.has(name)) request[name] = value;
    const up = session().request(request);
    up.on('error', () => undefined);
    let trailers: http2.OutgoingHttpHeaders = {};
    up.on('response', (responseHeaders, flags) => {
      if (stream.closed) return;
      const trailersOnly = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      stream.respond(plain(responseHeaders), trailersOnly ? { endStream: true } : { waitForTrailers: true });
      if (!trailersOnly) up.pipe(stream);
    });
    up.on('trailers', (t) => (trailers = plain(t)));
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    stream.pipe(up);
    // A cancelled call (a worker's long poll at shutdown) cancels upstream, and the other way round.
    stream.on('close', () => stream.rstCode && !up.closed && up.close(stream.rstCode));
    up.on('close', () => up.rstCode && !stream.closed && stream.close(up.rstCode));
  });

  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    get forwarded() {
      return forwarded;
    },
    get refused() {
      return refused;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sessions) s.destroy();
      upstream?.destroy();
      await closed;
    },
  };
}

function plain(headers: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers));
}
