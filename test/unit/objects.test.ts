// covers: src/pipeline/objects.ts, src/pipeline/read-pages.ts, src/pipeline/write-events.ts
import { ApplicationFailure } from '@temporalio/common';
import { readPages } from '../../src/pipeline/read-pages';
import { ErrorType } from '../../src/common/failures';
import { collectObjects, type ObjectDone } from '../../src/pipeline/objects';
import { orgSource } from '../../src/pipeline/org-source';
import type { AuditEvent, EventPage, EventSource } from '../../src/atlassian/client';
import type { ObjectStore, PutParams } from '../../src/storage/s3';
import { createZstd } from '../../src/pipeline/zstd';
import { objectKey } from '../../src/storage/keys';
import { startPosition } from '../../src/model/position';
import type { ConnectionSpec, StreamPosition } from '../../src/model/types';
import { fakeEvent, fakeSource, fakeStore } from '../helpers/fakes';

const connection: ConnectionSpec = { name: 'c', orgId: 'org', apiKeyRef: 'env:K', baseUrl: 'http://127.0.0.1:1' };
const PAGE = 2;
const BASE_MS = Date.UTC(2026, 0, 1);
/** processedAt of fakeEvent(n), in epoch ms. */
const ms = (n: number) => Date.parse(String(fakeEvent(n).attributes?.processedAt));
/** The position just after fakeEvent(n), with the given cursor. */
const after = (n: number, cursor: string | null): StreamPosition => ({ atMs: ms(n), idsAtMs: [`e${n}`], cursor });

/** A stream of `count` events served `PAGE` at a time. */
const source = (count: number, hooks: { onFetch?: (from: number) => void | Promise<void>; nonce?: boolean; nullTail?: boolean } = {}) =>
  fakeSource({ count, ...hooks });
const compressor = createZstd();

function run(params: {
  source: EventSource;
  store: ObjectStore;
  another?: () => boolean;
  done?: (o: ObjectDone) => Promise<void>;
  start?: StreamPosition;
  pagesPerObject?: number;
}) {
  const done: ObjectDone[] = [];
  const promise = collectObjects({
    source: orgSource(params.source),
    store: params.store,
    compressor,
    connection,
    apiKey: 'k',
    bucket: 'b',
    prefix: 'p/',
    ruleId: 'r',
    start: params.start ?? startPosition(BASE_MS),
    pageLimit: PAGE,
    pagesPerObject: params.pagesPerObject ?? 2,
    fenced: true,
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

/** The IDs of every event in the objects put, in the order put. */
async function idsWritten(puts: PutParams[]): Promise<string[]> {
  const ids: string[] = [];
  for (const put of puts) for (const line of await lines(put.body as Buffer)) ids.push((JSON.parse(line) as AuditEvent).id);
  return ids;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `e${from + i}`);

/** Refuses every cursor as the API refuses an expired one; reads from `atMs` go through. */
function refusingCursors(inner: EventSource): EventSource & { refused: string[] } {
  const refused: string[] = [];
  return {
    refused,
    async fetchPage(request) {
      if (request.position.cursor !== null) {
        refused.push(request.position.cursor);
        throw ApplicationFailure.create({ type: ErrorType.InvalidCursor, nonRetryable: true, message: 'rejected the stored cursor' });
      }
      return inner.fetchPage(request);
    },
  };
}

/** `inner` with the processedAt of the events named taken away. */
function withoutProcessedAt(inner: EventSource, ids: string[]): EventSource {
  return {
    async fetchPage(request): Promise<EventPage> {
      const page = await inner.fetchPage(request);
      const events = page.events.map((e) => (ids.includes(e.id) ? { id: e.id, attributes: { action: 'odd' } } : e));
      return {
        events,
        lines: events.map((e) => JSON.stringify(e)),
        processedAtMs: page.processedAtMs.map((m, i) => {
          const event = page.events[i];
          return event && ids.includes(event.id) ? undefined : m;
        }),
        nextCursor: page.nextCursor,
      };
    },
  };
}

test('writes objects of pagesPerObject pages back to back until caught up, reporting each in order', async () => {
  const s3 = fakeStore();
  const { promise, done } = run({ source: source(9), store: s3 });
  await promise;
  // 9 events, 2 a page, 2 pages an object: objects of 4, 4 and 1 (the short page ends it).
  expect(done.map((d) => d.events)).toEqual([4, 4, 1]);
  expect(done.map((d) => d.key)).toEqual(s3.puts.map((p) => p.key));
  expect(done.at(-1)!.caughtUp).toBe(true);
  expect(await lines(s3.puts[1]!.body as Buffer)).toEqual([4, 5, 6, 7].map((n) => JSON.stringify(fakeEvent(n))));
  expect(s3.puts[1]!.metadata).toMatchObject({
    'event-count': '4',
    'first-processed-at': fakeEvent(4).attributes?.processedAt,
    'last-processed-at': fakeEvent(7).attributes?.processedAt,
  });
  // Each object starts where the previous one ended, by content.
  expect(done.map((d) => d.start)).toEqual([startPosition(BASE_MS), after(3, '4'), after(7, '8')]);
  expect(done.at(-1)!.position).toEqual(after(8, '9'));
  expect(await idsWritten(s3.puts)).toEqual(range(0, 9));
});

test("each key is named by its object's first event", async () => {
  const s3 = fakeStore();
  const { promise } = run({ source: source(9), store: s3 });
  await promise;
  expect(s3.puts.map((p) => p.key)).toEqual(
    [0, 4, 8].map((n) => objectKey({ prefix: 'p/', ruleId: 'r', first: { id: `e${n}`, processedAtMs: ms(n) } })),
  );
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
  expect(done.map((d) => d.events)).toEqual([4]);
  expect(s3.puts).toHaveLength(1);
});

test('a failed upload ends the loop: nothing after it is uploaded or reported', async () => {
  const s3 = fakeStore({
    onPut: () => {
      if (s3.puts.length === 1) throw new Error('S3 down');
    },
  });
  const { promise, done } = run({ source: source(20), store: s3 });
  // The store's error reaches the loop classified: S3 unavailable, retried.
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect(error).toMatchObject({
    type: ErrorType.S3Unavailable,
    nonRetryable: false,
    message: expect.stringMatching(/^S3 bucket b: Error writing p\/\S+\.json\.zst: S3 down; retrying$/),
  });
  expect(done).toHaveLength(1);
  expect(s3.puts).toHaveLength(1);
});

test('another() says when to stop starting objects; at least one is written', async () => {
  const { promise, done } = run({ source: source(20), store: fakeStore(), another: () => false });
  await promise;
  expect(done).toHaveLength(1);
  expect(done[0]!.position).toEqual(after(3, '4'));
  expect(done[0]!.caughtUp).toBe(false);
});

test('a key derives from the first event, so a cursor read and a read from atMs reaching it write the same key', async () => {
  const byCursor = run({ source: source(20), store: fakeStore(), another: () => false, start: after(7, '8') });
  await byCursor.promise;
  const byFrom = run({ source: source(20), store: fakeStore(), another: () => false, start: after(7, null) });
  await byFrom.promise;
  // another() stops each read after its one object.
  expect(byCursor.done).toHaveLength(1);
  expect(byFrom.done).toHaveLength(1);
  const [viaCursor, viaFrom] = [byCursor.done[0]!, byFrom.done[0]!];
  expect(viaFrom.repeated).toBe(1);
  expect(viaFrom.key).toBe(viaCursor.key);
  // The read from atMs asks for one more event (e7, again, skipped), so its object is as long.
  expect(viaCursor.key).toBe(objectKey({ prefix: 'p/', ruleId: 'r', first: { id: 'e8', processedAtMs: ms(8) } }));
  expect([viaCursor.events, viaFrom.events]).toEqual([4, 4]);
  const other = run({ source: source(20), store: fakeStore(), another: () => false, start: after(9, '10') });
  await other.promise;
  expect(other.done).toHaveLength(1);
  expect(other.done[0]!.key).not.toBe(viaCursor.key);
});

test('cursors that differ in text each time (nonce) give the same objects under the same keys', async () => {
  const stable = fakeStore();
  await run({ source: source(9), store: stable }).promise;
  const nonceSource = source(9, { nonce: true });
  const nonce = fakeStore();
  const { promise, done } = run({ source: nonceSource, store: nonce });
  await promise;
  // 9 events, 2 a page, 2 pages an object: three objects, as in the first test.
  expect(done).toHaveLength(3);
  expect(done[0]!.position.cursor).toMatch(/^4:\d+$/);
  expect(nonce.puts.map((p) => p.key)).toEqual(stable.puts.map((p) => p.key));
  expect(await idsWritten(nonce.puts)).toEqual(await idsWritten(stable.puts));
  // A second read over the same stream hands out new cursor texts, and still the same keys.
  const again = fakeStore();
  const second = run({ source: nonceSource, store: again });
  await second.promise;
  expect(second.done).toHaveLength(3);
  expect(second.done[0]!.position.cursor).not.toBe(done[0]!.position.cursor);
  expect(again.puts.map((p) => p.key)).toEqual(stable.puts.map((p) => p.key));
});

test('a re-read from the same start with another pagesPerObject overwrites the first object under its key', async () => {
  const two = fakeStore();
  await run({ source: source(9), store: two, pagesPerObject: 2 }).promise;
  const one = fakeStore();
  await run({ source: source(9), store: one, pagesPerObject: 1 }).promise;
  const three = fakeStore();
  await run({ source: source(9), store: three, pagesPerObject: 3 }).promise;
  // 9 events, 2 a page: objects of 1, 2 and 3 pages make 5, 3 and 2 objects.
  expect([one.puts.length, two.puts.length, three.puts.length]).toEqual([5, 3, 2]);
  expect(one.puts[0]!.key).toBe(two.puts[0]!.key);
  expect(three.puts[0]!.key).toBe(two.puts[0]!.key);
  // Objects that start at the same event share a key whatever their size: e0, e4 and e8 start objects of both.
  expect(one.puts.map((p) => p.key)).toEqual(expect.arrayContaining(two.puts.map((p) => p.key)));
  expect(await lines(one.puts[0]!.body as Buffer)).toHaveLength(2);
  expect(await lines(two.puts[0]!.body as Buffer)).toHaveLength(4);
  for (const store of [one, two, three]) expect(await idsWritten(store.puts)).toEqual(range(0, 9));
});

test('a refused cursor is read again from atMs, and no event is written twice', async () => {
  const src = refusingCursors(source(9));
  const s3 = fakeStore();
  // Starts from a stored cursor that has expired.
  const { promise, done } = run({ source: src, store: s3, start: after(2, 'expired') });
  await promise;
  expect(src.refused[0]).toBe('expired');
  expect(src.refused.length).toBeGreaterThan(1);
  expect(done.length).toBeGreaterThan(0);
  expect(done[0]!.cursorRefused).toBe(true);
  expect(done[0]!.repeated).toBeGreaterThan(0);
  expect(await idsWritten(s3.puts)).toEqual(range(3, 9));
  expect(done.at(-1)!.caughtUp).toBe(true);
  expect(done.at(-1)!.position).toMatchObject({ atMs: ms(8), idsAtMs: ['e8'] });
});

test.each([
  ['a second refusal, of the read from atMs, stands', ErrorType.InvalidCursor, [after(2, 'x'), after(2, null)]],
  ['errors other than a refused cursor are not taken for one', ErrorType.BadRequest, [after(2, 'x')]],
])('%s', async (_name, type, expected) => {
  const requests: StreamPosition[] = [];
  const failing: EventSource = {
    async fetchPage({ position }) {
      requests.push(position);
      throw ApplicationFailure.create({ type, nonRetryable: true, message: 'no' });
    },
  };
  await expect(run({ source: failing, store: fakeStore(), start: after(2, 'x') }).promise).rejects.toMatchObject({ type });
  expect(requests).toEqual(expected);
});

test('a last page without a cursor leaves a position read on from atMs, writing no event twice', async () => {
  const params = { count: 5, nullTail: true };
  const src = fakeSource(params);
  const first = fakeStore();
  const one = run({ source: src, store: first });
  await one.promise;
  const end = one.done.at(-1)!;
  expect(end.caughtUp).toBe(true);
  expect(end.position).toEqual(after(4, null));
  expect(await idsWritten(first.puts)).toEqual(range(0, 5));

  // Nothing new: the read from atMs finds only e4 again, and writes nothing.
  const idle = fakeStore();
  const two = run({ source: src, store: idle, start: end.position });
  await two.promise;
  expect(idle.puts).toHaveLength(0);
  expect(two.done.map((d) => d.key)).toEqual([null]);
  expect(two.done[0]!.repeated).toBe(1);
  expect(two.done[0]!.position).toMatchObject({ atMs: ms(4), idsAtMs: ['e4'] });

  // New events arrive: the read goes on after e4.
  params.count = 11;
  const more = fakeStore();
  const three = run({ source: src, store: more, start: two.done[0]!.position });
  await three.promise;
  expect(await idsWritten(more.puts)).toEqual(range(5, 11));
  expect(three.done.at(-1)!.position).toEqual(after(10, null));
  expect(more.puts.length).toBeGreaterThan(0);
  expect(more.puts[0]!.key).toBe(objectKey({ prefix: 'p/', ruleId: 'r', first: { id: 'e5', processedAtMs: ms(5) } }));
});

test('an event without processedAt is kept, and does not move the position', async () => {
  const s3 = fakeStore();
  const { promise, done } = run({ source: withoutProcessedAt(source(6), ['e2', 'e5']), store: s3 });
  await promise;
  expect(await idsWritten(s3.puts)).toEqual(range(0, 6));
  expect(done.map((d) => d.events)).toEqual([4, 2]);
  expect(s3.puts).toHaveLength(2);
  expect(await lines(s3.puts[0]!.body as Buffer)).toContain(JSON.stringify({ id: 'e2', attributes: { action: 'odd' } }));
  // The second object ends with e5, which has no processedAt: the position stays just after e4 (the cursor moves).
  expect(done[1]!.position).toEqual(after(4, '6'));
  expect(s3.puts[1]!.metadata).toMatchObject({ 'event-count': '2', 'last-processed-at': fakeEvent(4).attributes?.processedAt });
});

test("an object whose first event lacks processedAt is named by its start's atMs", async () => {
  const s3 = fakeStore();
  const { promise } = run({ source: withoutProcessedAt(source(3), ['e0']), store: s3, start: startPosition(BASE_MS - 5_000) });
  await promise;
  expect(s3.puts.length).toBeGreaterThan(0);
  expect(s3.puts[0]!.key).toBe(objectKey({ prefix: 'p/', ruleId: 'r', first: { id: 'e0', processedAtMs: BASE_MS - 5_000 } }));
  expect(s3.puts[0]!.metadata).toMatchObject({ 'first-processed-at': fakeEvent(1).attributes?.processedAt });
});

describe('readPages', () => {
  const read = (params: {
    source: EventSource;
    start: StreamPosition;
    pageLimit: number;
    maxPages: number;
    maxEvents?: number;
    horizonMs?: number;
    toMs?: number;
  }) => readPages({ ...params, compressor, connection, apiKey: 'k' });

  /** A stream over `events` (in order), showing each only once `visible(id)` says so; cursors are indexes into what was visible. */
  function listSource(events: AuditEvent[], options: { visible?: (id: string) => boolean; shortEvery?: number; cursorEnd?: boolean } = {}) {
    let served = 0;
    return {
      async fetchPage({ position, limit }: { position: StreamPosition; limit: number }): Promise<EventPage> {
        const shown = events.filter((e) => options.visible?.(e.id) ?? true);
        const ms = (e: AuditEvent) => Date.parse(String(e.attributes?.processedAt));
        const from =
          position.cursor !== null ? shown.findIndex((e) => e.id === position.cursor) + 1 : shown.findIndex((e) => ms(e) >= position.atMs);
        const start = from < 0 ? shown.length : from;
        served += 1;
        const take = options.shortEvery && served % options.shortEvery === 0 ? Math.max(1, Math.floor(limit / 2)) : limit;
        const page = shown.slice(start, start + take);
        const last = page.at(-1) ?? shown[start - 1];
        const end = start + page.length >= shown.length;
        return {
          events: page,
          lines: page.map((e) => JSON.stringify(e)),
          processedAtMs: page.map(ms),
          nextCursor: end && options.cursorEnd === false ? null : (last?.id ?? null),
        };
      },
    } satisfies EventSource;
  }
  const at = (id: string, msOffset: number): AuditEvent => ({
    id,
    attributes: { processedAt: new Date(BASE_MS + msOffset).toISOString() },
  });

  test('an event readable late, in the millisecond of the newest one and sorting before it, is collected once the window has passed', async () => {
    // 'b' and 'a' share a millisecond; 'a' sorts before 'b' but becomes readable only later.
    const events = [at('x', 0), at('a', 5_000), at('b', 5_000)];
    let aVisible = false;
    const src = listSource(events, { visible: (id) => id !== 'a' || aVisible });
    // Polled 1 s after 'b' with a 2 s window: 'b' is not settled, so the read stops before it.
    const first = await read({
      source: src,
      start: startPosition(BASE_MS),
      pageLimit: 10,
      maxPages: 3,
      horizonMs: BASE_MS + 6_000 - 2_000,
    });
    expect(await lines(await first.body.finish())).toEqual([JSON.stringify(events[0])]);
    expect(first.position).toEqual({ atMs: BASE_MS, idsAtMs: ['x'], cursor: null });
    aVisible = true;
    const second = await read({ source: src, start: first.position, pageLimit: 10, maxPages: 3, horizonMs: BASE_MS + 9_000 });
    expect((await lines(await second.body.finish())).map((l) => (JSON.parse(l) as AuditEvent).id)).toEqual(['a', 'b']);
  });

  test('an event served out of order inside a page is kept, not dropped as written', async () => {
    const events = [at('p', 0), at('r', 7), at('q', 6), at('s', 8)];
    const got = await read({ source: listSource(events), start: startPosition(BASE_MS), pageLimit: 10, maxPages: 1 });
    expect((await lines(await got.body.finish())).map((l) => (JSON.parse(l) as AuditEvent).id)).toEqual(['p', 'r', 'q', 's']);
    expect(got.repeated).toBe(0);
  });

  test('a backfill window is read past short pages that carry a cursor, and ends at its `to` on our side', async () => {
    const events = Array.from({ length: 12 }, (_, n) => at(`w${String(n).padStart(2, '0')}`, n * 1_000));
    // Every second page is short; the cursors ignore the window (they run on past `to`).
    const src = listSource(events, { shortEvery: 2 });
    const got = await read({ source: src, start: startPosition(BASE_MS), pageLimit: 4, maxPages: 20, toMs: BASE_MS + 8_000 });
    const ids = (await lines(await got.body.finish())).map((l) => (JSON.parse(l) as AuditEvent).id);
    expect(ids).toEqual(events.slice(0, 9).map((e) => e.id));
    expect(got.caughtUp).toBe(true);
  });

  test('a backfill window ends on a page without a next cursor', async () => {
    const events = Array.from({ length: 5 }, (_, n) => at(`v${n}`, n * 1_000));
    const got = await read({
      source: listSource(events, { cursorEnd: false }),
      start: startPosition(BASE_MS),
      pageLimit: 3,
      maxPages: 20,
      toMs: BASE_MS + 60_000,
    });
    expect(got.body.events).toBe(5);
    expect(got.caughtUp).toBe(true);
  });

  test('maxEvents cuts a read mid-page just after the last event kept, and the next read goes on from there', async () => {
    const src = fakeSource({ count: 10 });
    const first = await read({ source: src, start: startPosition(BASE_MS), pageLimit: 4, maxPages: 5, maxEvents: 6 });
    expect(first.body.events).toBe(6);
    expect(first.position).toEqual(after(5, null));
    expect(first.caughtUp).toBe(false);
    expect(first.lastProcessedAt).toBe(fakeEvent(5).attributes?.processedAt);
    const second = await read({ source: src, start: first.position, pageLimit: 4, maxPages: 5 });
    expect(second.first).toEqual({ id: 'e6', processedAtMs: ms(6) });
    expect(second.repeated).toBe(1);
    expect(second.body.events).toBe(4);
    expect(second.caughtUp).toBe(true);
    const texts = [...(await lines(await first.body.finish())), ...(await lines(await second.body.finish()))];
    expect(texts).toEqual(range(0, 10).map((_, n) => JSON.stringify(fakeEvent(n))));
  });

  test('a read that reaches maxEvents at the end of a page asks for no further page, and the next read goes on by its cursor', async () => {
    const src = fakeSource({ count: 10 });
    const first = await read({ source: src, start: startPosition(BASE_MS), pageLimit: 4, maxPages: 5, maxEvents: 8 });
    expect(src.fetched).toEqual([0, 4]);
    expect(first.body.events).toBe(8);
    expect(first.position).toEqual(after(7, '8'));
    expect(first.caughtUp).toBe(false);
    const second = await read({ source: src, start: first.position, pageLimit: 4, maxPages: 5, maxEvents: 8 });
    expect(src.fetched).toEqual([0, 4, 8]);
    expect(second.first).toEqual({ id: 'e8', processedAtMs: ms(8) });
    expect(second.repeated).toBe(0);
    expect(second.caughtUp).toBe(true);
    const texts = [...(await lines(await first.body.finish())), ...(await lines(await second.body.finish()))];
    expect(texts).toEqual(range(0, 10).map((_, n) => JSON.stringify(fakeEvent(n))));
  });

  test('a read from atMs asks for room past the events already written, and fails for a human only when a whole page is written ones and carries no cursor', async () => {
    // 501 events share one millisecond; the first 500 are written; a page holds at most 500.
    const atMs = BASE_MS;
    const ids = Array.from({ length: 501 }, (_, n) => `id${String(n).padStart(3, '0')}`);
    const events = ids.map((id) => ({ id, attributes: { processedAt: new Date(atMs).toISOString() } }));
    const limits: number[] = [];
    const sameMsSource = (cursors: boolean): EventSource => ({
      async fetchPage({ position, limit }) {
        limits.push(limit);
        const from = position.cursor === null ? 0 : Number(position.cursor);
        const page = events.slice(from, from + limit);
        return {
          events: page,
          lines: page.map((e) => JSON.stringify(e)),
          processedAtMs: page.map(() => atMs),
          nextCursor: cursors ? String(from + page.length) : null,
        };
      },
    });
    const sameMs = sameMsSource(true);
    // Two written at that millisecond: a page of 2 + 2 has room for two new ones.
    const fewWritten = await read({ source: sameMs, start: { atMs, idsAtMs: ids.slice(0, 2), cursor: null }, pageLimit: 2, maxPages: 1 });
    expect(limits).toEqual([4]);
    expect(fewWritten.first?.id).toBe('id002');
    expect(fewWritten.body.events).toBe(2);
    const stuck = read({
      source: sameMsSource(false),
      start: { atMs, idsAtMs: ids.slice(0, 500), cursor: null },
      pageLimit: 2,
      maxPages: 3,
    });
    await expect(stuck).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(stuck).rejects.toMatchObject({ type: ErrorType.StuckAtMillisecond, nonRetryable: true });
    // A page of written ones that carries a cursor is not stuck: the read follows the cursor past them.
    const passed = await read({ source: sameMs, start: { atMs, idsAtMs: ids.slice(0, 500), cursor: null }, pageLimit: 2, maxPages: 3 });
    expect(passed.first?.id).toBe('id500');
    expect(passed.repeated).toBe(500);
    // With the cursor, the same place reads on.
    const byCursor = await read({ source: sameMs, start: { atMs, idsAtMs: ids.slice(0, 500), cursor: '500' }, pageLimit: 2, maxPages: 3 });
    expect(byCursor.first?.id).toBe('id500');
    expect(byCursor.position).toEqual({ atMs, idsAtMs: ids, cursor: '501' });
  });
});
