// The collect activities: where a rule starts, and one batch of objects from there. Thin over
// injected clients; only positions and counts go back to the workflow.
import { Context, log } from '@temporalio/activity';
import { RETENTION_MS, resolveStartFrom } from '../model/duration';
import { comparePositions, normalizeState, startPosition } from '../model/position';
import { addObject, emptyBatch, jumpTo, moved, type ObjectStep } from '../model/state';
import { type BatchInput, type BatchResult, type CollectState, type RuleSpec } from '../model/types';
import { configFailure } from '../common/failures';
import { createCollectorMetrics } from './metrics';
import { heartbeating } from './heartbeating';
import { readCheckpoint, writeCheckpoint } from '../storage/checkpoint';
import { collectObjects, type ObjectDone } from '../pipeline/objects';
import { sourceFor } from '../pipeline/source';
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
        log.info('resuming from checkpoint', { ruleId: rule.id, lastProcessedAt: checkpoint.state.lastProcessedAt });
        return checkpoint.state;
      }
      const nowMs = now();
      const from = resolveStartFrom(rule.startFrom, nowMs);
      if (from === undefined)
        throw configFailure(`rule ${rule.id}: startFrom '${rule.startFrom}' is neither a duration like 7d nor an ISO date.`);
      const startPointMs = Math.max(from, nowMs - RETENTION_MS);
      return { position: startPosition(startPointMs), startPointMs, lastProcessedAt: null, totals: { events: 0, objects: 0, bytes: 0 } };
    },

    /**
     * One batch: objects read back to back, each uploaded once under a key named by its first event
     * and then recorded in the fenced checkpoint, for up to `batchMs` (at least one object). It
     * starts from the furthest durable point of the state it was given, its earlier attempt's
     * heartbeat details and the checkpoint. A key already taken keeps its object, and the batch
     * reads on after that object's events; a checkpoint moved on by another writer (a second run,
     * or a stale attempt of this batch) stops the batch at once, writing nothing more, and it
     * returns that checkpoint, marked `superseded`. The workflow advances only from the result.
     */
    async collectBatch({ rule, state: given }: BatchInput): Promise<BatchResult> {
      const context = Context.current();
      const { connection, destination } = rule;
      const source = sourceFor(deps.sources, connection);
      const apiKey = deps.secrets.resolve({ connection });
      const fenced = await deps.conditionalWrites.fenced(destination.bucket);
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
      if (checkpoint && comparePositions(checkpoint.state.position, batch.state.position) > 0) {
        batch = jumpTo(batch, checkpoint.state);
        log.info('batch starts from the checkpoint, which is ahead', {
          ruleId: rule.id,
          lastProcessedAt: checkpoint.state.lastProcessedAt,
        });
      }
      // The version of the checkpoint this writer last read or wrote: a write replaces only that one.
      let version = checkpoint ? (checkpoint.etag ?? null) : null;
      const deadline = now() + deps.batchMs;
      const collecting = heartbeating(
        () => batch,
        () =>
          collectObjects({
            source,
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
            fenced,
            // 0 turns the window off: every event read is taken, however new.
            horizonMs: deps.settleMs > 0 ? () => now() - deps.settleMs : undefined,
            another: () => now() < deadline && !context.cancellationSignal.aborted,
            done: async (object) => {
              logObject(rule.id, object);
              const step: ObjectStep = {
                position: object.position,
                events: object.events,
                rawBytes: object.rawBytes,
                bytes: object.bytes,
                key: object.key,
                caughtUp: object.caughtUp,
                lastProcessedAt: object.lastProcessedAt,
              };
              const next = addObject(batch, step);
              const moved = object.key !== null || comparePositions(object.position, object.start) !== 0;
              // Before the next object goes up: at most one object is ever in S3 beyond the checkpoint.
              if (moved) {
                const written = await writeCheckpoint({ store: deps.store, rule, state: next.state, nowMs: now(), after: version, fenced });
                if (written === 'superseded') throw new Superseded();
                version = written.etag;
              }
              batch = next;
              // A read that found nothing new sends no heartbeat: each that reaches the server is a
              // billable action in Temporal Cloud, and an idle run would pay one for nothing.
              if (moved) context.heartbeat(batch);
              const lastProcessedAt = batch.state.lastProcessedAt;
              metrics.objectWritten({ ruleId: rule.id, events: object.events, bytes: object.bytes, lastProcessedAt, nowMs: now() });
            },
          }),
      );
      try {
        await collecting;
      } catch (error) {
        if (error instanceof Superseded) return superseded(batch);
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

      /** The checkpoint another writer moved on: this batch ends with it, having written nothing since. */
      async function superseded(sofar: BatchResult): Promise<BatchResult> {
        const latest = await readCheckpoint({ store: deps.store, rule });
        log.warn('another writer moved the checkpoint on; this batch stops writing', {
          ruleId: rule.id,
          lastProcessedAt: latest?.state.lastProcessedAt ?? null,
        });
        return { ...(latest ? jumpTo(sofar, latest.state) : sofar), caughtUp: false, superseded: true };
      }
    },
  };
}

/** Thrown out of the object loop when the checkpoint's compare-and-swap finds another writer's version. */
class Superseded extends Error {}

function logObject(ruleId: string, object: ObjectDone): void {
  const { key, events, bytes, lastProcessedAt } = object;
  if (object.cursorRefused)
    log.warn('the API refused the stored cursor; read on from the last processedAt', { ruleId, atMs: object.start.atMs });
  if (object.behind > 0)
    log.warn('events processed before the read started were skipped as written', {
      ruleId,
      events: object.behind,
      atMs: object.start.atMs,
    });
  if (object.withoutId > 0)
    log.warn('events without a string id were written as received, known by a hash of their text', { ruleId, events: object.withoutId });
  if (key !== null && object.existed)
    log.info('object already written (by another writer or an earlier attempt): kept, reading on after it', {
      ruleId,
      key,
      events,
      lastProcessedAt,
    });
  else if (key !== null) log.info('object written', { ruleId, key, events, bytes, lastProcessedAt });
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
