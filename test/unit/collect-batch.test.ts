// The collect-batch activity in Temporal's mock activity context, over fake clients: what it
// returns when it runs out of time, when an error stops it midway, and when it resumes.
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { EventSource } from '../../activities/io/atlassian';
import type { ObjectStore, PutParams } from '../../activities/io/s3';
import { createZstd } from '../../activities/io/zstd';
import { emptyBatch } from '../../workflows/state';
import type { BatchInput, BatchResult, RuleSpec } from '../../workflows/types';
import { fakeEvent, fakeSource, fakeStore } from '../helpers/fakes';

const rule: RuleSpec = {
  id: 'r1',
  displayName: 'R1',
  connection: { name: 'c', orgId: 'org', apiKeyRef: 'env:K', baseUrl: 'http://127.0.0.1:1' },
  destination: { bucket: 'b', prefix: 'p/' },
  interval: '5m',
  startFrom: '7d',
};
const input: BatchInput = { rule, state: { position: { fromMs: 0 }, startPointMs: 0, lastProcessedAt: null, totals: { events: 0, objects: 0, bytes: 0 } } };

/** 10 events, one a page; `failAt` fails the request for that event. */
function source(failAt?: number) {
  return fakeSource({
    count: 10,
    pageSize: 1,
    onFetch: (from) => {
      if (from === failAt) throw new Error('socket hang up');
    },
  });
}

/** Runs the batch activity in a mock activity context. */
async function collectBatch(env: MockActivityEnvironment, deps: { source: EventSource; store: ObjectStore; batchMs: number }): Promise<BatchResult> {
  return env.run(activities(deps).collectBatch, input) as Promise<BatchResult>;
}

function activities(params: { source: EventSource; store: ObjectStore; batchMs: number }) {
  return createActivities({
    ...params,
    compressor: createZstd(),
    secrets: { resolve: () => 'key' },
    pageLimit: 1,
    pagesPerObject: 2,
  });
}

const quiet = { logger: new DefaultLogger('ERROR') };
const mockEnv = (info: ConstructorParameters<typeof MockActivityEnvironment>[0] = {}) => new MockActivityEnvironment(info, quiet);
const dataPuts = (s: { puts: PutParams[] }) => s.puts.filter((p) => p.key.startsWith('p/'));

test('writes objects until caught up and returns what it wrote', async () => {
  const s3 = fakeStore();
  const result = await collectBatch(mockEnv(), { source: source(), store: s3, batchMs: 60_000 });
  expect(result).toMatchObject({ events: 10, objects: 5, caughtUp: true, nextPosition: { cursor: '10' } });
  expect(result.keys).toEqual(dataPuts(s3).map((p) => p.key));
  // Each object is mirrored in the checkpoint after it is written.
  expect(s3.puts.filter((p) => p.key === '_audit-collect/state/r1.json')).toHaveLength(5);
});

test('with no time left it writes one object and says it is not caught up', async () => {
  const result = await collectBatch(mockEnv(), { source: source(), store: fakeStore(), batchMs: 0 });
  expect(result).toMatchObject({ events: 2, objects: 1, caughtUp: false, nextPosition: { cursor: '2' } });
});

test('an error after some objects returns those objects, not the error', async () => {
  const s3 = fakeStore();
  const result = await collectBatch(mockEnv(), { source: source(5), store: s3, batchMs: 60_000 });
  // Objects [0,1] and [2,3] are in S3; the read of 4 and 5 failed at 5.
  expect(result).toMatchObject({ events: 4, objects: 2, caughtUp: false, nextPosition: { cursor: '4' } });
  expect(dataPuts(s3)).toHaveLength(2);
});

test('an error before any object fails the batch, for Temporal to retry', async () => {
  const env = mockEnv();
  await expect(collectBatch(env, { source: source(0), store: fakeStore(), batchMs: 60_000 })).rejects.toThrow();
});

test('a retried batch resumes after the objects its heartbeat details record, and counts them', async () => {
  const recorded: BatchResult = { ...emptyBatch({ cursor: '6' }), events: 6, objects: 3, keys: ['k0', 'k1', 'k2'], lastProcessedAt: fakeEvent(5).attributes.processedAt };
  const src = source();
  const s3 = fakeStore();
  const env = mockEnv({ attempt: 2, heartbeatDetails: recorded });
  const result = await collectBatch(env, { source: src, store: s3, batchMs: 60_000 });
  expect(src.fetched[0]).toBe(6);
  expect(result).toMatchObject({ events: 10, objects: 5, caughtUp: true });
  expect(result.keys.slice(0, 3)).toEqual(['k0', 'k1', 'k2']);
  expect(dataPuts(s3)).toHaveLength(2);
});

test('heartbeats carry the progress after each object', async () => {
  const env = mockEnv();
  const beats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => beats.push(details));
  await collectBatch(env, { source: source(), store: fakeStore(), batchMs: 60_000 });
  expect(beats.map((b) => (b as BatchResult).objects)).toEqual(expect.arrayContaining([1, 2, 3, 4, 5]));
});
