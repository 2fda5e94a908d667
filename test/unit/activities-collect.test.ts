// covers: src/activities/collect.ts, src/storage/checkpoint.ts, src/storage/conditional-writes.ts
// The collect-batch activity in Temporal's mock activity context, over fake clients: what it
// returns when it runs out of time, when an error stops it midway, and when it resumes (from its
// heartbeat details or from the checkpoint in S3).
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { ErrorType } from '../../src/common/failures';
import type { AuditEvent, EventSource } from '../../src/atlassian/client';
import type { ObjectStore, PutParams } from '../../src/storage/s3';
import { createZstd } from '../../src/pipeline/zstd';
import { orgSource } from '../../src/pipeline/org-source';
import { objectKey } from '../../src/storage/keys';
import { startPosition } from '../../src/model/position';
import { emptyBatch } from '../../src/model/state';
import type { BatchInput, BatchResult, Checkpoint, CollectState, StreamPosition } from '../../src/model/types';
import { fakeEvent, fakeRule, fakeSource, fakeStore, fencedWrites } from '../helpers/fakes';

const BASE_MS = Date.UTC(2026, 0, 1);
const CHECKPOINT = '_audit-collect/state/r1.json';
const ms = (n: number) => Date.parse(String(fakeEvent(n).attributes?.processedAt));
const processedAt = (n: number) => String(fakeEvent(n).attributes?.processedAt);
/** The position just after fakeEvent(n), with the given cursor. */
const after = (n: number, cursor: string | null): StreamPosition => ({ atMs: ms(n), idsAtMs: [`e${n}`], cursor });

const rule = fakeRule;
const initial: CollectState = {
  position: startPosition(BASE_MS),
  startPointMs: BASE_MS,
  lastProcessedAt: null,
  totals: { events: 0, objects: 0, bytes: 0 },
};
const input: BatchInput = { rule, state: initial };

/** 10 events, one a page; `failAt` fails the request for that event. */
function source(failAt?: number) {
  return fakeSource({
    count: 10,
    onFetch: (from) => {
      if (from === failAt) throw new Error('socket hang up');
    },
  });
}

interface Deps {
  source: EventSource;
  store: ObjectStore;
  batchMs: number;
  pageLimit?: number;
  settleMs?: number;
  now?: () => number;
}

/** Runs the batch activity in a mock activity context. */
async function collectBatch(env: MockActivityEnvironment, deps: Deps, given: BatchInput = input): Promise<BatchResult> {
  return env.run(activities(deps).collectBatch, given) as Promise<BatchResult>;
}

function activities({ source, ...params }: Deps) {
  return createActivities({
    pageLimit: 1,
    ...params,
    sources: { org: orgSource(source) },
    compressor: createZstd(),
    secrets: { resolve: () => 'key' },
    pagesPerObject: 2,
    settleMs: params.settleMs ?? 0,
    conditionalWrites: fencedWrites(),
  });
}

const quiet = { logger: new DefaultLogger('ERROR') };
const mockEnv = (info: ConstructorParameters<typeof MockActivityEnvironment>[0] = {}) => new MockActivityEnvironment(info, quiet);
type Put = PutParams & { refused?: boolean };
const dataPuts = (s: { puts: Put[] }) => s.puts.filter((p) => p.key.startsWith('p/'));
const checkpointPuts = (s: { puts: Put[] }) => s.puts.filter((p) => p.key === CHECKPOINT);
const compressor = createZstd();
async function idsWritten(puts: PutParams[]): Promise<string[]> {
  const ids: string[] = [];
  for (const put of puts) {
    const text = (await compressor.decompress(put.body as Buffer)).toString('utf8').trim();
    for (const line of text.split('\n')) ids.push((JSON.parse(line) as AuditEvent).id);
  }
  return ids;
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `e${from + i}`);

/** A checkpoint body as the activity writes it. */
function checkpointJson(state: CollectState, over: Partial<Checkpoint> = {}): string {
  return JSON.stringify({ ruleId: 'r1', orgId: 'org', updatedAt: '2026-01-01T01:00:00.000Z', ...state, ...over });
}

test('writes objects until caught up and returns what it wrote', async () => {
  const s3 = fakeStore();
  const result = await collectBatch(mockEnv(), { source: source(), store: s3, batchMs: 60_000 });
  expect(result).toMatchObject({ events: 10, objects: 5, caughtUp: true });
  expect(result.state).toMatchObject({
    position: after(9, '10'),
    startPointMs: BASE_MS,
    lastProcessedAt: processedAt(9),
    totals: { events: 10, objects: 5, bytes: result.bytes },
  });
  expect(result.keys).toEqual(dataPuts(s3).map((p) => p.key));
  expect(await idsWritten(dataPuts(s3))).toEqual(range(0, 10));
  // Each object is mirrored in the checkpoint after it is written (the empty read at the end moves nothing).
  const checkpoints = checkpointPuts(s3);
  expect(checkpoints).toHaveLength(5);
  expect(JSON.parse(checkpoints.at(-1)!.body.toString())).toMatchObject({ ruleId: 'r1', orgId: 'org', ...result.state });
});

test('each checkpoint is written after its object and before the next object', async () => {
  const s3 = fakeStore();
  await collectBatch(mockEnv(), { source: source(), store: s3, batchMs: 60_000 });
  const kinds = s3.puts.map((p) => (p.key === CHECKPOINT ? 'checkpoint' : 'object'));
  expect(kinds).toEqual(Array.from({ length: 5 }, () => ['object', 'checkpoint']).flat());
  const positions = checkpointPuts(s3).map((p) => (JSON.parse(p.body.toString()) as Checkpoint).position);
  expect(positions).toEqual([after(1, '2'), after(3, '4'), after(5, '6'), after(7, '8'), after(9, '10')]);
});

test('with no time left it writes one object and says it is not caught up', async () => {
  const result = await collectBatch(mockEnv(), { source: source(), store: fakeStore(), batchMs: 0 });
  expect(result).toMatchObject({ events: 2, objects: 1, caughtUp: false });
  expect(result.state.position).toEqual(after(1, '2'));
});

test('an error after some objects returns those objects, not the error', async () => {
  const s3 = fakeStore();
  const result = await collectBatch(mockEnv(), { source: source(5), store: s3, batchMs: 60_000 });
  // Objects [0,1] and [2,3] are in S3; the read of 4 and 5 failed at 5.
  expect(result).toMatchObject({ events: 4, objects: 2, caughtUp: false });
  expect(result.state.position).toEqual(after(3, '4'));
  expect(dataPuts(s3)).toHaveLength(2);
});

test('an error before any object fails the batch, for Temporal to retry', async () => {
  const env = mockEnv();
  await expect(collectBatch(env, { source: source(0), store: fakeStore(), batchMs: 60_000 })).rejects.toThrow('socket hang up');
});

test('a state written by the old code ({cursor}) is read as a content position', async () => {
  const legacy = {
    ...initial,
    position: { cursor: '6' },
    lastProcessedAt: processedAt(5),
    totals: { events: 6, objects: 3, bytes: 30 },
  } as unknown as CollectState;
  const src = source();
  const s3 = fakeStore();
  const result = await collectBatch(mockEnv(), { source: src, store: s3, batchMs: 60_000 }, { rule, state: legacy });
  expect(src.fetched[0]).toBe(6);
  expect(await idsWritten(dataPuts(s3))).toEqual(range(6, 10));
  expect(result.state.position).toEqual(after(9, '10'));
  expect(result.state.totals.events).toBe(10);
});

test('a retried batch resumes after the objects its heartbeat details record, and counts them', async () => {
  const recorded: BatchResult = {
    ...emptyBatch({ ...initial, position: after(5, '6'), lastProcessedAt: processedAt(5), totals: { events: 6, objects: 3, bytes: 30 } }),
    events: 6,
    objects: 3,
    bytes: 30,
    keys: ['k0', 'k1', 'k2'],
  };
  const src = source();
  const s3 = fakeStore();
  const env = mockEnv({ attempt: 2, heartbeatDetails: recorded });
  const result = await collectBatch(env, { source: src, store: s3, batchMs: 60_000 });
  expect(src.fetched[0]).toBe(6);
  expect(result).toMatchObject({ events: 10, objects: 5, caughtUp: true });
  expect(result.state.totals).toMatchObject({ events: 10, objects: 5 });
  expect(result.keys.slice(0, 3)).toEqual(['k0', 'k1', 'k2']);
  expect(await idsWritten(dataPuts(s3))).toEqual(range(6, 10));
});

test('heartbeat details behind the input state are ignored', async () => {
  const recorded: BatchResult = { ...emptyBatch({ ...initial, position: after(1, '2') }), events: 2, objects: 1, keys: ['old'] };
  const src = source();
  const result = await collectBatch(
    mockEnv({ attempt: 2, heartbeatDetails: recorded }),
    { source: src, store: fakeStore(), batchMs: 60_000 },
    { rule, state: { ...initial, position: after(3, '4') } },
  );
  expect(src.fetched[0]).toBe(4);
  expect(result.keys).not.toContain('old');
  expect(result.events).toBe(6);
});

test('heartbeats carry the progress after each object', async () => {
  const env = mockEnv();
  const beats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => beats.push(details));
  await collectBatch(env, { source: source(), store: fakeStore(), batchMs: 60_000 });
  expect(beats.map((b) => (b as BatchResult).objects)).toEqual(expect.arrayContaining([1, 2, 3, 4, 5]));
  const last = beats.filter((b) => (b as BatchResult).objects === 5).at(-1) as BatchResult;
  expect(last.state.position).toEqual(after(9, '10'));
});

test('an idle batch (nothing new) sends no heartbeat: each one is a billable action', async () => {
  const src = source();
  const s3 = fakeStore();
  const caughtUp = await collectBatch(mockEnv(), { source: src, store: s3, batchMs: 60_000 });
  const env = mockEnv();
  const beats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => beats.push(details));
  const idle = await collectBatch(env, { source: src, store: s3, batchMs: 60_000 }, { rule, state: caughtUp.state });
  expect(idle).toMatchObject({ events: 0, objects: 0, caughtUp: true });
  expect(beats).toEqual([]);
});

describe('the checkpoint', () => {
  const ahead: CollectState = {
    position: after(5, '6'),
    startPointMs: BASE_MS,
    lastProcessedAt: processedAt(5),
    totals: { events: 6, objects: 3, bytes: 300 },
  };

  test('a batch resumes from a checkpoint ahead of its input state, and counts the jump as its own', async () => {
    const src = source();
    const s3 = fakeStore({ stored: { [CHECKPOINT]: checkpointJson(ahead) } });
    const result = await collectBatch(mockEnv(), { source: src, store: s3, batchMs: 60_000 });
    expect(src.fetched[0]).toBe(6);
    expect(await idsWritten(dataPuts(s3))).toEqual(range(6, 10));
    const written = dataPuts(s3).reduce((total, p) => total + (p.body as Buffer).length, 0);
    expect(result).toMatchObject({ events: 10, objects: 5, bytes: 300 + written, caughtUp: true });
    // Only the keys this attempt wrote are listed.
    expect(result.keys).toEqual(dataPuts(s3).map((p) => p.key));
    expect(result.keys[0]).toBe(objectKey({ prefix: 'p/', ruleId: 'r1', first: { id: 'e6', processedAtMs: ms(6) } }));
    expect(result.state).toMatchObject({
      position: after(9, '10'),
      lastProcessedAt: processedAt(9),
      totals: { events: 10, objects: 5, bytes: 300 + written },
    });
  });

  test('a checkpoint from the old code ({cursor}) is read as a content position', async () => {
    const src = source();
    const legacy = { ...ahead, position: { cursor: '6' } } as unknown as CollectState;
    const s3 = fakeStore({ stored: { [CHECKPOINT]: checkpointJson(legacy) } });
    const result = await collectBatch(mockEnv(), { source: src, store: s3, batchMs: 60_000 });
    expect(src.fetched[0]).toBe(6);
    expect(result.events).toBe(10);
  });

  test('a checkpoint behind the input state, or level with it, is not read from', async () => {
    for (const position of [after(2, '3'), after(5, 'other text')]) {
      const src = source();
      const s3 = fakeStore({
        stored: { [CHECKPOINT]: checkpointJson({ ...ahead, position, totals: { events: 99, objects: 99, bytes: 99 } }) },
      });
      const result = await collectBatch(mockEnv(), { source: src, store: s3, batchMs: 60_000 }, { rule, state: ahead });
      expect(src.fetched[0]).toBe(6);
      expect(result).toMatchObject({ events: 4, objects: 2 });
      expect(result.state.totals.events).toBe(10);
    }
  });

  test('heartbeat details ahead of the checkpoint win over it', async () => {
    const recorded: BatchResult = {
      ...emptyBatch({ ...ahead, position: after(7, '8'), totals: { events: 8, objects: 4, bytes: 400 } }),
      events: 8,
      objects: 4,
      keys: ['k'],
    };
    const src = source();
    const s3 = fakeStore({ stored: { [CHECKPOINT]: checkpointJson(ahead) } });
    const result = await collectBatch(mockEnv({ attempt: 3, heartbeatDetails: recorded }), { source: src, store: s3, batchMs: 60_000 });
    expect(src.fetched[0]).toBe(8);
    expect(result).toMatchObject({ events: 10, objects: 5 });
  });

  test.each([
    ['not JSON', '{"position": ', 'is not valid JSON'],
    ['not a state', JSON.stringify({ ruleId: 'r1', orgId: 'org', position: null }), 'does not hold a position and totals'],
    [
      'a half-formed position',
      JSON.stringify({ ruleId: 'r1', orgId: 'org', ...initial, position: { atMs: 5 } }),
      'does not hold a position and totals',
    ],
    [
      'totals that are not numbers',
      JSON.stringify({ ruleId: 'r1', orgId: 'org', ...initial, totals: { events: 'x', objects: 0, bytes: 0 } }),
      'does not hold a position and totals',
    ],
    ['of another org', JSON.stringify({ ruleId: 'r1', orgId: 'other-org', ...initial }), 'belongs to Atlassian org other-org'],
  ])('a checkpoint that is %s fails the batch for a human, naming the checkpoint', async (_label, body, says) => {
    const src = source();
    const s3 = fakeStore({ stored: { [CHECKPOINT]: body } });
    const failure = await collectBatch(mockEnv(), { source: src, store: s3, batchMs: 60_000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: ErrorType.Config, nonRetryable: true });
    expect((failure as Error).message).toContain(`s3://b/${CHECKPOINT}`);
    expect((failure as Error).message).toContain(says);
    // Nothing was read or written on a guess.
    expect(src.fetched).toEqual([]);
    expect(s3.puts).toEqual([]);
  });
});

test('a refused stored cursor is read on from atMs, writing no event twice', async () => {
  const inner = fakeSource({ count: 10 });
  let refusals = 0;
  const refusing: EventSource = {
    async fetchPage(request) {
      if (request.position.cursor === 'expired') {
        refusals += 1;
        throw ApplicationFailure.create({ type: ErrorType.InvalidCursor, nonRetryable: true, message: 'rejected the stored cursor' });
      }
      return inner.fetchPage(request);
    },
  };
  const s3 = fakeStore();
  const state: CollectState = {
    ...initial,
    position: after(3, 'expired'),
    lastProcessedAt: processedAt(3),
    totals: { events: 4, objects: 1, bytes: 10 },
  };
  const result = await collectBatch(mockEnv(), { source: refusing, store: s3, batchMs: 60_000, pageLimit: 2 }, { rule, state });
  expect(refusals).toBe(1);
  expect(await idsWritten(dataPuts(s3))).toEqual(range(4, 10));
  expect(result).toMatchObject({ events: 6, caughtUp: true });
  expect(result.state.totals.events).toBe(10);
});

describe('more than one writer', () => {
  /** An object as another writer stored it: NDJSON of the given events, compressed. */
  async function storedObject(events: number[]): Promise<Buffer> {
    return compressor.compress(Buffer.from(events.map((n) => JSON.stringify(fakeEvent(n)) + '\n').join('')));
  }
  const keyOf = (n: number) => objectKey({ prefix: 'p/', ruleId: 'r1', first: { id: `e${n}`, processedAtMs: ms(n) } });
  /** Every event in the bucket's data objects, in key order. */
  async function idsStored(s3: ReturnType<typeof fakeStore>): Promise<string[]> {
    const ids: string[] = [];
    for (const [key, object] of [...s3.objects].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!key.startsWith('p/')) continue;
      const text = (await compressor.decompress(object.body)).toString('utf8').trim();
      ids.push(...text.split('\n').map((line) => (JSON.parse(line) as AuditEvent).id));
    }
    return ids;
  }
  /** Keys PUT successfully more than once. */
  const rewritten = (s3: ReturnType<typeof fakeStore>) => {
    const counts = new Map<string, number>();
    for (const put of s3.puts) if (!put.refused) counts.set(put.key, (counts.get(put.key) ?? 0) + 1);
    return [...counts].filter(([key, n]) => key !== CHECKPOINT && n > 1);
  };

  test('a key taken by a shorter object is kept, not overwritten, and the batch reads on after its last event', async () => {
    const s3 = fakeStore({ stored: { [keyOf(0)]: await storedObject([0]) } });
    const result = await collectBatch(mockEnv(), { source: source(), store: s3, batchMs: 60_000 });
    expect(s3.puts.filter((p) => p.key === keyOf(0)).map((p) => p.refused)).toEqual([true]);
    expect(await idsStored(s3)).toEqual(range(0, 10));
    expect(rewritten(s3)).toEqual([]);
    expect(result).toMatchObject({ caughtUp: true });
    expect(result.state.position).toMatchObject({ atMs: ms(9), idsAtMs: ['e9'] });
  });

  test('a key taken by a longer object (a writer that saw more events) is kept, and nothing in it is written again', async () => {
    const s3 = fakeStore({ stored: { [keyOf(0)]: await storedObject([0, 1, 2, 3, 4]) } });
    const result = await collectBatch(mockEnv(), { source: source(), store: s3, batchMs: 60_000 });
    expect(await idsStored(s3)).toEqual(range(0, 10));
    expect(rewritten(s3)).toEqual([]);
    expect(result.state.position).toMatchObject({ atMs: ms(9), idsAtMs: ['e9'] });
    // The events of the kept object count as the batch's: it is what S3 holds.
    expect(result.events).toBe(10);
  });

  test('a checkpoint moved on by another writer stops the batch at once: nothing more is written, and it returns that checkpoint', async () => {
    const theirs: CollectState = {
      position: after(7, 'theirs'),
      startPointMs: BASE_MS,
      lastProcessedAt: processedAt(7),
      totals: { events: 8, objects: 4, bytes: 800 },
    };
    let objects = 0;
    const s3: ReturnType<typeof fakeStore> = fakeStore({
      onPut: (put) => {
        // The other writer advances the checkpoint while this one uploads its first object.
        if (put.key.startsWith('p/') && ++objects === 1)
          s3.objects.set(CHECKPOINT, { body: Buffer.from(checkpointJson(theirs)), etag: '"theirs"' });
      },
    });
    const result = await collectBatch(mockEnv(), { source: source(), store: s3, batchMs: 60_000 });
    expect(result.superseded).toBe(true);
    expect(result.caughtUp).toBe(false);
    expect(result.state).toEqual(theirs);
    expect(dataPuts(s3)).toHaveLength(1);
    // Its own checkpoint write was refused: the other writer's stands.
    expect(checkpointPuts(s3).map((p) => p.refused)).toEqual([true]);
    expect(JSON.parse(s3.objects.get(CHECKPOINT)!.body.toString())).toMatchObject(theirs);
  });

  test('the checkpoint is created only where there is none, and replaced only in the version this writer last wrote', async () => {
    const s3 = fakeStore();
    await collectBatch(mockEnv(), { source: source(), store: s3, batchMs: 60_000 });
    const conditions = checkpointPuts(s3).map((p) => p.condition);
    expect(conditions[0]).toEqual({ create: true });
    expect(conditions.slice(1)).toEqual(['"v2"', '"v4"', '"v6"', '"v8"'].map((etag) => ({ replace: etag })));
    expect(dataPuts(s3).every((p) => 'create' in (p.condition ?? {}))).toBe(true);
  });

  test('the checkpoint names its destination, and a checkpoint of another prefix is not adopted', async () => {
    const s3 = fakeStore();
    await collectBatch(mockEnv(), { source: source(), store: s3, batchMs: 60_000 });
    const written = JSON.parse(s3.objects.get(CHECKPOINT)!.body.toString()) as Checkpoint;
    expect(written).toMatchObject({ ruleId: 'r1', orgId: 'org', bucket: 'b', prefix: 'p/' });
    const moved = { ...rule, destination: { ...rule.destination, prefix: 'elsewhere/' } };
    const failure = await collectBatch(mockEnv(), { source: source(), store: s3, batchMs: 60_000 }, { rule: moved, state: initial }).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ type: ErrorType.Config, nonRetryable: true });
    expect((failure as Error).message).toContain('writing to s3://b/p/, not s3://b/elsewhere/');
  });
});

describe('settle window', () => {
  test('a live read leaves events processed within the settle window to a later read, and stops before them without a cursor', async () => {
    const s3 = fakeStore();
    // Now is e6's processedAt; with a 2 s window, e0..e4 are settled.
    const first = await collectBatch(mockEnv(), { source: source(), store: s3, batchMs: 60_000, settleMs: 2_000, now: () => ms(6) });
    expect(await idsWritten(dataPuts(s3))).toEqual(range(0, 5));
    expect(first.caughtUp).toBe(true);
    expect(first.state.position).toEqual(after(4, null));
    const later = await collectBatch(
      mockEnv(),
      { source: source(), store: s3, batchMs: 60_000, settleMs: 2_000, now: () => ms(20) },
      { rule, state: first.state },
    );
    expect(later.events).toBe(5);
    expect(await idsWritten(dataPuts(s3))).toEqual(range(0, 10));
  });
});
