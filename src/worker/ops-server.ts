// The worker's one HTTP port for operators and orchestrators: GET /metrics (Prometheus), /healthz
// (the process is alive) and /readyz (the worker polls its task queue).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Readiness = { ready: true } | { ready: false; reason: string };

export interface OpsServer {
  /** The port it listens on (the one asked for, or the one chosen for port 0). */
  port: number;
  close(): Promise<void>;
}

export class ListenError extends Error {}

/** What the endpoints report. */
export interface OpsSources {
  readiness: () => Promise<Readiness>;
  /** The Prometheus text; without it /metrics is 404. */
  metrics?: () => Promise<string>;
}

export async function startOpsServer(params: { host: string; port: number } & OpsSources): Promise<OpsServer> {
  const { host, port } = params;
  const server = createServer((req, res) => {
    handle({ req, res, sources: params }).catch((error: unknown) => send(res, 500, `${(error as Error).message}\n`));
  });
  // Probes and scrapes are short: an idle keep-alive socket must not hold up the worker's exit.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new ListenError(`cannot listen on ${host}:${port} (${error.message})`)));
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(params: { req: IncomingMessage; res: ServerResponse; sources: OpsSources }): Promise<void> {
  const { req, res } = params;
  const { readiness, metrics } = params.sources;
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') return send(res, 200, 'ok\n');
  if (path === '/readyz') {
    const state = await readiness();
    return state.ready ? send(res, 200, 'ready\n') : send(res, 503, `not ready: ${state.reason}\n`);
  }
  if (path === '/metrics' && metrics) return send(res, 200, await metrics(), 'text/plain; version=0.0.4; charset=utf-8');
  send(res, 404, 'not found: GET /metrics, /healthz or /readyz\n');
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
