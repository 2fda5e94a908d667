// The backfill batch: like one object of a live batch, but from a slice's own position within its
// day's window, behind live requests in the org's budget, without the events live collection owns,
// and without touching the live rule's checkpoint. Its object ends at the next multiple of
// BACKFILL_EVENTS_PER_OBJECT events from the day's start, so any backfill of a day writes the same
// objects under the same keys.
import { BACKFILL_EVENTS_PER_OBJECT, type BackfillBatchInput, type BackfillBatchResult } from '../model/backfill';
import { readPages } from '../pipeline/read-pages';
import { hasEvents, writeEvents } from '../pipeline/write-events';
import { heartbeating } from './heartbeating';
import type { ActivityDeps } from './deps';
import { objectKey } from '../storage/keys';

export function createBackfillActivities(deps: ActivityDeps) {
  async function backfillBatch(input: BackfillBatchInput, progress: { pages: number; events: number }): Promise<BackfillBatchResult> {
    const { rule, slice, liveStartMs } = input;
    const { connection, destination } = rule;
    const apiKey = deps.secrets.resolve({ connection });
    const maxEvents = BACKFILL_EVENTS_PER_OBJECT - (input.eventsSoFar % BACKFILL_EVENTS_PER_OBJECT);
    const read = await readPages({
      source: deps.source,
      compressor: deps.compressor,
      connection,
      apiKey,
      start: input.position,
      toMs: slice.toMs,
      pageLimit: deps.pageLimit,
      // Enough pages for a whole object, with room for pages that repeat or drop events.
      maxPages: Math.ceil(maxEvents / deps.pageLimit) + 2,
      maxEvents,
      onPage: ({ pages, events }) => Object.assign(progress, { pages, events }),
      priority: 'backfill',
      // Live collection owns every event processed at or after its start point T0.
      keep: (_event, processedAtMs) => processedAtMs === undefined || processedAtMs < liveStartMs,
    });
    let key: string | null = null;
    let rawBytes = 0;
    let bytes = 0;
    if (hasEvents(read)) {
      key = objectKey({ prefix: destination.prefix, layout: destination.layout, ruleId: rule.id, first: read.first, backfill: true });
      ({ rawBytes, bytes } = await writeEvents({ store: deps.store, bucket: destination.bucket, key, ruleId: rule.id, read }));
    }
    return {
      position: read.position,
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
      return heartbeating(
        () => progress,
        () => backfillBatch(input, progress),
      );
    },
  };
}
