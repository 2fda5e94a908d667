// The collect activities: where a rule starts, and one batch of objects from there. Thin over
// injected clients; only positions and counts go back to the workflow.
import { Context, log } from '@temporalio/activity';
import { RETENTION_MS, resolveStartFrom } from '../model/duration';
import { comparePositions, normalizeState, startPosition } from '../model/position';
import { addObject, emptyBatch, jumpTo, moved, type ObjectStep } from '../model/state';
import { type BatchInput, type BatchResult, type CollectState, type RuleSpec } from '../model/types';
import { configError } from '../common/errors';
import { createCollectorMetrics } from './metrics';
import { heartbeating } from './heartbeating';
import { readCheckpoint, writeCheckpoint } from '../storage/checkpoint';
import { collectObjects } from '../pipeline/objects';
import type { ActivityDeps } from './deps';

export function createCollectActivities(deps: ActivityDeps) {
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? createCollectorMetrics();

  return {
    /**
     * Where a rule with no previous run starts: its checkpoint mirror if one exists (the schedule
     * was deleted and created again), else `startFrom`, clamped to the API's 180-day retention.
     */
    async resolveStart({ rule }: { rule: RuleSpec }): Promise<CollectState> {
      const checkpoint = await readCheckpoint({ store: deps.store, rule });
      if (checkpoint) {
        log.info('resuming from checkpoint', { ruleId: rule.id, lastProcessedAt: checkpoint.lastProcessedAt });
        return checkpoint;
      }
      const nowMs = now();
      const from = resolveStartFrom(rule.startFrom, nowMs);
      if (from === undefined)
        throw configError(`rule ${rule.id}: startFrom '${rule.startFrom}' is neither a duration like 7d nor an ISO date.`);
      const startPointMs = Math.max(from, nowMs - RETENTION_MS);
      return { position: startPosition(startPointMs), startPointMs, lastProcessedAt: null, totals: { events: 0, objects: 0, bytes: 0 } };
    },

    /**
     * One batch: objects read back to back, each uploaded under a key named by its first event and
     * then mirrored in the checkpoint, for up to `batchMs` (at least one object). It starts from the
     * furthest durable point of the state it was given, its earlier attempt's heartbeat details and
     * the checkpoint, so neither a failed run nor a throttled heartbeat makes it read written objects
     * again (at most the one object beyond the checkpoint is read again, and it keeps its key).
     * The workflow advances only from the returned result.
     */
    async collectBatch({ rule, state: given }: BatchInput): Promise<BatchResult> {
      const context = Context.current();
      const { connection, destination } = rule;
      const apiKey = deps.secrets.resolve({ connection });
      const start = normalizeState(given);
      let batch = emptyBatch(start);
      const resumed = context.info.heartbeatDetails;
      if (isBatchResult(resumed) && comparePositions(resumed.state.position, start.position) >= 0) {
        batch = resumed;
        log.info('batch resumes after the objects an earlier attempt wrote', {
          ruleId: rule.id,
          objects: batch.objects,
          events: batch.events,
        });
      }
      const checkpoint = await readCheckpoint({ store: deps.store, rule });
      if (checkpoint && comparePositions(checkpoint.position, batch.state.position) > 0) {
        batch = jumpTo(batch, checkpoint);
        log.info('batch starts from the checkpoint, which is ahead', { ruleId: rule.id, lastProcessedAt: checkpoint.lastProcessedAt });
      }
      const deadline = now() + deps.batchMs;
      const collecting = heartbeating(
        () => batch,
        () =>
          collectObjects({
            source: deps.source,
            store: deps.store,
            compressor: deps.compressor,
            pageLimit: deps.pageLimit,
            pagesPerObject: deps.pagesPerObject,
            connection,
            apiKey,
            bucket: destination.bucket,
            prefix: destination.prefix,
            layout: destination.layout,
            ruleId: rule.id,
            start: batch.state.position,
            another: () => now() < deadline && !context.cancellationSignal.aborted,
            done: async ({ start: objectStart, read, key, rawBytes, bytes }) => {
              if (read.cursorRefused)
                log.warn('the API refused the stored cursor; read on from the last processedAt', {
                  ruleId: rule.id,
                  atMs: objectStart.atMs,
                });
              const object: ObjectStep = {
                position: read.position,
                events: read.body.events,
                rawBytes,
                bytes,
                key,
                caughtUp: read.caughtUp,
                lastProcessedAt: read.lastProcessedAt,
              };
              const next = addObject(batch, object);
              const moved = key !== null || comparePositions(read.position, objectStart) !== 0;
              // Before the next object goes up: at most one object is ever in S3 beyond the checkpoint.
              if (moved) await writeCheckpoint({ store: deps.store, rule, state: next.state, nowMs: now() });
              batch = next;
              // A read that found nothing new sends no heartbeat: each that reaches the server is a
              // billable action in Temporal Cloud, and an idle run would pay one for nothing.
              if (moved) context.heartbeat(batch);
              const lastProcessedAt = batch.state.lastProcessedAt;
              metrics.objectWritten({ ruleId: rule.id, events: object.events, bytes, lastProcessedAt, nowMs: now() });
              if (key !== null) log.info('object written', { ruleId: rule.id, key, events: object.events, bytes, lastProcessedAt });
            },
          }),
      );
      try {
        await collecting;
      } catch (error) {
        // A batch that got somewhere returns what it wrote; the error meets the next batch, whose
        // retries back off from the start, instead of this batch's attempts piling up over a long
        // catch-up. A batch with nothing written fails as usual.
        if (!moved(batch, start) || context.cancellationSignal.aborted) throw error;
        batch = { ...batch, caughtUp: false };
        log.warn('batch ends early with what it wrote; the next batch retries', {
          ruleId: rule.id,
          objects: batch.objects,
          events: batch.events,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      const { events, objects, bytes, caughtUp } = batch;
      log.info('batch done', { ruleId: rule.id, events, objects, bytes, caughtUp, lastProcessedAt: batch.state.lastProcessedAt });
      return deps.notifier?.webhookUrl ? { ...batch, notifies: true } : batch;
    },
  };
}

/** Heartbeat details of an earlier attempt of the batch, if that attempt recorded any. */
function isBatchResult(value: unknown): value is BatchResult {
  const v = value as Partial<BatchResult> | null | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.state?.position?.atMs === 'number' &&
    typeof v.events === 'number' &&
    Array.isArray(v.keys)
  );
}
