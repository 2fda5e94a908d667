// The backfill batch: it follows a few pages and writes one object, like one object of a live
// batch, but from a slice's own cursor within a closed window, behind live requests in the org's
// budget, without the events live collection owns, and without touching the live rule's checkpoint.
import type { BackfillBatchInput, BackfillBatchResult } from '../workflows/backfill-types';
import { hasEvents, heartbeating, readPages, writeEvents } from './batch';
import type { ActivityDeps } from './index';
import { backfillObjectKey } from './keys';

export function createBackfillActivities(deps: ActivityDeps) {
  async function backfillBatch(input: BackfillBatchInput, progress: { pages: number; events: number }): Promise<BackfillBatchResult> {
    const { rule, slice, liveStartMs } = input;
    const { connection, destination } = rule;
    const apiKey = deps.secrets.resolve({ ref: connection.apiKeyRef, connection: connection.name });
    const read = await readPages({
      source: deps.source,
      compressor: deps.compressor,
      connection,
      apiKey,
      start: input.position,
      pageLimit: deps.pageLimit,
      maxPages: deps.pagesPerObject,
      onPage: ({ pages, events }) => Object.assign(progress, { pages, events }),
      priority: 'backfill',
      // Live collection owns every event processed at or after its start point T0.
      keep: (event) => Date.parse(event.attributes.processedAt) < liveStartMs,
      closedWindow: true,
    });
    let key: string | null = null;
    let rawBytes = 0;
    let bytes = 0;
    if (hasEvents(read)) {
      key = backfillObjectKey({
        prefix: destination.prefix,
        ruleId: rule.id,
        backfillTag: input.backfillTag,
        firstProcessedAtMs: Date.parse(read.firstProcessedAt),
        sliceFromMs: slice.fromMs,
        batch: input.batch,
      });
      ({ rawBytes, bytes } = await writeEvents({ store: deps.store, bucket: destination.bucket, key, ruleId: rule.id, read }));
    }
    return {
      nextPosition: read.position,
      events: read.body.events,
      dropped: read.dropped,
      rawBytes,
      bytes,
      key,
      caughtUp: read.caughtUp,
      lastProcessedAt: read.lastProcessedAt,
    };
  }

  return {
    /** One batch of a backfill slice, heartbeating while it runs. */
    async backfillBatch(input: BackfillBatchInput): Promise<BackfillBatchResult> {
      const progress = { pages: 0, events: 0 };
      return heartbeating(() => progress, () => backfillBatch(input, progress));
    },
  };
}
