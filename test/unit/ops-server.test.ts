import { createServer } from 'node:net';
import type { State } from '@temporalio/worker';
import { ListenError, startOpsServer, type OpsServer } from '../../src/worker/ops-server';
import { createReadiness } from '../../src/worker/readiness';

let state: State | undefined;
let temporalUp = true;
let server: OpsServer;
const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

beforeAll(async () => {
  const readiness = createReadiness({
    state: () => state,
    probeTemporal: async () => {
      if (!temporalUp) throw new Error('connection refused');
    },
    cacheMs: 0,
  });
  server = await startOpsServer({ host: '127.0.0.1', port: 0, readiness, metrics: async () => 'temporal_up 1\n' });
});

afterAll(() => server.close());

async function get(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url(path));
  return { status: res.status, body: await res.text() };
}

test('/healthz answers 200 whatever the worker does', async () => {
  for (const s of [undefined, 'RUNNING', 'DRAINING', 'FAILED'] as const) {
    state = s;
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok\n' });
  }
});

test('/readyz is 200 only while the worker is RUNNING and Temporal answers', async () => {
  temporalUp = true;
  state = undefined;
  expect(await get('/readyz')).toEqual({ status: 503, body: 'not ready: starting\n' });
  state = 'INITIALIZED';
  expect((await get('/readyz')).status).toBe(503);
  state = 'RUNNING';
  expect(await get('/readyz')).toEqual({ status: 200, body: 'ready\n' });
  for (const draining of ['STOPPING', 'DRAINING', 'DRAINED', 'STOPPED'] as const) {
    state = draining;
    expect(await get('/readyz')).toEqual({ status: 503, body: `not ready: worker ${draining}\n` });
  }
  state = 'RUNNING';
  temporalUp = false;
  expect(await get('/readyz')).toEqual({ status: 503, body: 'not ready: Temporal unreachable (connection refused)\n' });
});

test('/metrics serves the Prometheus text; other paths and methods are refused', async () => {
  const res = await fetch(url('/metrics'));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(await res.text()).toBe('temporal_up 1\n');
  expect((await get('/')).status).toBe(404);
  expect((await fetch(url('/healthz'), { method: 'POST' })).status).toBe(405);
});

test('a failing metrics source is a 500, not a crash', async () => {
  const failing = await startOpsServer({
    host: '127.0.0.1',
    port: 0,
    readiness: async () => ({ ready: true }),
    metrics: async () => {
      throw new Error('exporter down');
    },
  });
  try {
    const res = await fetch(`http://127.0.0.1:${failing.port}/metrics`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('exporter down\n');
  } finally {
    await failing.close();
  }
});

test('the Temporal probe is cached, so frequent probes cost Temporal one call every few seconds', async () => {
  let now = 0;
  let calls = 0;
  const readiness = createReadiness({ state: () => 'RUNNING', probeTemporal: async () => void calls++, cacheMs: 5_000, now: () => now });
  await readiness();
  now = 4_999;
  await readiness();
  expect(calls).toBe(1);
  now = 5_000;
  await readiness();
  expect(calls).toBe(2);
});

test('an address in use is a ListenError naming it', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as { port: number };
  try {
    await expect(startOpsServer({ host: '127.0.0.1', port, readiness: async () => ({ ready: true }) })).rejects.toThrow(ListenError);
    await expect(startOpsServer({ host: '127.0.0.1', port, readiness: async () => ({ ready: true }) })).rejects.toThrow(
      `127.0.0.1:${port}`,
    );
  } finally {
    blocker.close();
  }
});
