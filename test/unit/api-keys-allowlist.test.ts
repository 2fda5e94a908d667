// covers: src/secrets/api-keys.ts (the host allowlist, through the collect activity)
// API keys go only to Atlassian: a rule whose baseUrl names a host outside
// AUDIT_COLLECT_ALLOWED_API_HOSTS (a schedule crafted without the CLI) fails its batch needing a
// human, before the worker reads any key or sends any request.
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { orgSource } from '../../src/pipeline/org-source';
import { ErrorType } from '../../src/common/failures';
import { createSecretResolver } from '../../src/secrets/api-keys';
import { startPosition } from '../../src/model/position';
import type { BatchInput } from '../../src/model/types';
import { createZstd } from '../../src/pipeline/zstd';
import { fakeRule, fakeSource, fakeStore, fencedWrites } from '../helpers/fakes';

const KEY = 'atlassian-key-3f9a1c';

test('a baseUrl outside the allowlist: the batch needs a human, no key is read and nothing is sent', async () => {
  const reads: string[] = [];
  const env = new Proxy({ ATLASSIAN_KEY: KEY } as NodeJS.ProcessEnv, {
    get: (target, name) => {
      reads.push(String(name));
      return target[String(name)];
    },
  });
  const source = fakeSource({ count: 10 });
  const store = fakeStore();
  const activities = createActivities({
    sources: { org: orgSource(source) },
    store,
    compressor: createZstd(),
    secrets: createSecretResolver({ env }),
    pageLimit: 10,
    pagesPerObject: 1,
    batchMs: 60_000,
    settleMs: 0,
    conditionalWrites: fencedWrites(),
  });
  const input: BatchInput = {
    rule: {
      ...fakeRule,
      connection: { ...fakeRule.connection, apiKeyRef: 'env:ATLASSIAN_KEY', baseUrl: 'https://collector.evil.example' },
    },
    state: {
      position: startPosition(Date.UTC(2026, 0, 1)),
      startPointMs: Date.UTC(2026, 0, 1),
      lastProcessedAt: null,
      totals: { events: 0, objects: 0, bytes: 0 },
    },
  };

  const failure = await new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') }).run(activities.collectBatch, input).then(
    () => undefined,
    (error: unknown) => error,
  );

  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ type: ErrorType.Config, nonRetryable: true });
  expect((failure as ApplicationFailure).message).toMatch(
    /^connection 'c': baseUrl https:\/\/collector\.evil\.example: the API key is sent only to a host in AUDIT_COLLECT_ALLOWED_API_HOSTS \(api\.atlassian\.com\)/,
  );
  expect((failure as ApplicationFailure).message).not.toContain(KEY);
  expect(reads).toEqual([]);
  expect(source.fetched).toEqual([]);
  expect(store.puts).toEqual([]);
});
