// The backfill batch: like one object of a live batch, but from a slice's own position within its
// day's window, behind live requests in the org's budget, without the events live collection owns,
// and without touching the live rule's checkpoint. Its object ends at the next multiple of
// BACKFILL_EVENTS_PER_OBJECT events from the day's start, so any backfill of a day writes the same
// objects under the same keys.
import { BACKFILL_EVENTS_PER_OBJECT, type BackfillBatchInput, type BackfillBatchResult } from '../model/backfill';
import { log } from '@temporalio/activity';
import { sourceFor } from '../pipeline/source';
import { hasEvents, writeEvents } from '../pipeline/write-events';
import { heartbeating } from './heartbeating';
import type { ActivityDeps } from './deps';
import { objectKey } from '../storage/keys';

export function createBackfillActivities(deps: ActivityDeps) {
  async function backfillBatch(input: BackfillBatchInput, progress: { pages: number; events: number }): Promise<BackfillBatchResult> {
    const { rule, slice, liveStartMs } = input;
    const { connection, destination } = rule;
    const source = sourceFor(deps.sources, connection);
    const apiKey = deps.secrets.resolve({ connection });
    const maxEvents = BACKFILL_EVENTS_PER_OBJECT - (input.eventsSoFar % BACKFILL_EVENTS_PER_OBJECT);
    const read = await source.read({
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
      keep: (processedAtMs) => processedAtMs === undefined || processedAtMs < liveStartMs,
    });
    const result = { position: read.position, events: read.body.events, dropped: read.dropped, caughtUp: read.caughtUp };
    if (!hasEvents(read)) return { ...result, lastProcessedAt: read.lastProcessedAt, key: null, rawBytes: 0, bytes: 0 };
    const key = objectKey({ prefix: destination.prefix, layout: destination.layout, ruleId: rule.id, first: read.first, backfill: true });
    const fenced = await deps.conditionalWrites.fenced(destination.bucket);
    const { bucket } = destination;
    const written = await writeEvents({
      store: deps.store,
      compressor: deps.compressor,
      bucket,
      key,
      ruleId: rule.id,
      start: input.position,
      read,
      fenced,
      source,
    });
    // A taken key (an earlier attempt, or another backfill of the day) keeps its object; the slice reads on after it.
    if (written.existed)
      log.info('backfill object already written: kept, reading on after it', { ruleId: rule.id, key, events: written.events });
    const { existed: _existed, ...object } = written;
    return { ...result, ...object, key };
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
