import { collectObjects, type ObjectDone } from '../../activities/objects';
import type { EventSource } from '../../activities/io/atlassian';
import type { ObjectStore } from '../../activities/io/s3';
import { createZstd } from '../../activities/io/zstd';
import type { ConnectionSpec, Position } from '../../workflows/types';
import { fakeEvent, fakeSource, fakeStore } from '../helpers/fakes';

const connection: ConnectionSpec = { name: 'c', orgId: 'org', apiKeyRef: 'env:K', baseUrl: 'http://127.0.0.1:1' };
const PAGE = 2;

/** A stream of `count` events served `PAGE` at a time. */
const source = (count: number, hooks: { onFetch?: (from: number) => void | Promise<void> } = {}) => fakeSource({ count, pageSize: PAGE, ...hooks });
const compressor = createZstd();

function run(params: { source: EventSource; store: ObjectStore; another?: () => boolean; done?: (o: ObjectDone) => Promise<void>; start?: Position }) {
  const done: ObjectDone[] = [];
  const promise = collectObjects({
    source: params.source,
    store: params.store,
    compressor,
    connection,
    apiKey: 'k',
    bucket: 'b',
    prefix: 'p/',
    ruleId: 'r',
    start: params.start ?? { fromMs: 0 },
    pageLimit: PAGE,
    pagesPerObject: 2,
    another: params.another ?? (() => true),
    done: async (object) => {
      await params.done?.(object);
      done.push(object);
    },
  });
  return { promise, done };
}

async function lines(body: Buffer): Promise<string[]> {
  return (await compressor.decompress(body)).toString('utf8').trim().split('\n');
}

test('writes objects of pagesPerObject pages back to back until caught up, reporting each in order', async () => {
  const s3 = fakeStore();
  const { promise, done } = run({ source: source(9), store: s3 });
  await promise;
  // 9 events, 2 a page, 2 pages an object: objects of 4, 4 and 1 (the short page ends it).
  expect(done.map((d) => d.read.body.events)).toEqual([4, 4, 1]);
  expect(done.map((d) => d.key)).toEqual(s3.puts.map((p) => p.key));
  expect(done.at(-1)!.read.caughtUp).toBe(true);
  expect(await lines(s3.puts[1].body as Buffer)).toEqual([4, 5, 6, 7].map((n) => JSON.stringify(fakeEvent(n))));
  expect(s3.puts[1].metadata).toMatchObject({ 'event-count': '4', 'first-processed-at': fakeEvent(4).attributes.processedAt });
});

test("reads the next object's pages while the previous one uploads", async () => {
  const order: string[] = [];
  let release!: () => void;
  const firstUploadHeld = new Promise<void>((resolve) => (release = resolve));
  const src = source(12, {
    onFetch: (from) => {
      order.push(`fetch ${from}`);
      // The second object's last page: without the overlap, this fetch would wait for the held upload forever.
      if (from === 6) release();
    },
  });
  const s3 = fakeStore({
    onPut: async () => {
      if (s3.puts.length === 0) await firstUploadHeld;
      order.push(`put ${s3.puts.length + 1}`);
    },
  });
  const { promise, done } = run({ source: src, store: s3 });
  await promise;
  expect(order.indexOf('fetch 6')).toBeLessThan(order.indexOf('put 1'));
  // 12 events make three full objects; the fourth read finds the stream caught up and writes nothing.
  expect(done.map((d) => d.key === null)).toEqual([false, false, false, true]);
});

test('a read that fails while an upload is in flight lets that upload land and be reported first', async () => {
  const src = source(20, {
    onFetch: (from) => {
      if (from === 4) throw new Error('API down');
    },
  });
  const s3 = fakeStore({ onPut: () => new Promise((r) => setTimeout(r, 20)) });
  const { promise, done } = run({ source: src, store: s3 });
  await expect(promise).rejects.toThrow('API down');
  expect(done.map((d) => d.read.body.events)).toEqual([4]);
  expect(s3.puts).toHaveLength(1);
});

test('a failed upload ends the loop: nothing after it is uploaded or reported', async () => {
  const s3 = fakeStore({
    onPut: () => {
      if (s3.puts.length === 1) throw new Error('S3 down');
    },
  });
  const { promise, done } = run({ source: source(20), store: s3 });
  await expect(promise).rejects.toThrow();
  expect(done).toHaveLength(1);
  expect(s3.puts).toHaveLength(1);
});

test('another() says when to stop starting objects; at least one is written', async () => {
  const { promise, done } = run({ source: source(20), store: fakeStore(), another: () => false });
  await promise;
  expect(done).toHaveLength(1);
  expect(done[0].read.position).toEqual({ cursor: '4' });
  expect(done[0].read.caughtUp).toBe(false);
});

test('a key derives from where its object starts, so the same start writes the same key', async () => {
  const first = run({ source: source(20), store: fakeStore(), another: () => false, start: { cursor: '8' } });
  await first.promise;
  const again = run({ source: source(20), store: fakeStore(), another: () => false, start: { cursor: '8' } });
  await again.promise;
  expect(again.done[0].key).toBe(first.done[0].key);
  const other = run({ source: source(20), store: fakeStore(), another: () => false, start: { cursor: '10' } });
  await other.promise;
  expect(other.done[0].key).not.toBe(first.done[0].key);
});
