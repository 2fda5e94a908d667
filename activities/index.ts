// Activities are thin over injected clients: an event source, an object store, a compressor and a
// secret resolver. They fetch, compress and upload; only references, cursors and counts go back
// to the workflow.
import { Context, log } from '@temporalio/activity';
import { ScheduleNotFoundError } from '@temporalio/client';
import { RETENTION_MS, resolveStartFrom } from '../common/duration';
import { scheduleIdOf, type BatchInput, type BatchResult, type Checkpoint, type CollectState, type RuleSpec } from '../workflows/types';
import { classifyS3Error, configError } from './errors';
import { createCollectorMetrics, type CollectorMetrics } from './metrics';
import { heartbeating, putClassified } from './batch';
import { collectObjects } from './objects';
import { createBackfillActivities } from './backfill';
import type { EventSource } from './io/atlassian';
import type { ObjectStore } from './io/s3';
import type { SecretResolver } from './io/secrets';
import type { Compressor } from './io/zstd';
import { checkpointKey, positionToken } from './keys';
import { addObject, advance, emptyBatch, type ObjectStep } from '../workflows/state';

export interface ActivityDeps {
  source: EventSource;
  store: ObjectStore;
  compressor: Compressor;
  secrets: SecretResolver;
  /** Events per request (the API allows 1 to 500). */
  pageLimit: number;
  /** Pages per uploaded object: bounds the size of an object and the memory it takes to build. */
  pagesPerObject: number;
  /** A collect batch starts no new object after this long (it always writes at least one). */
  batchMs: number;
  now?: () => number;
  metrics?: CollectorMetrics;
}

export function createActivities(deps: ActivityDeps) {
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? createCollectorMetrics();

  async function writeCheckpoint(rule: RuleSpec, state: CollectState): Promise<void> {
    const checkpoint: Checkpoint = { ruleId: rule.id, orgId: rule.connection.orgId, updatedAt: new Date(now()).toISOString(), ...state };
    await putClassified(deps.store, {
      bucket: rule.destination.bucket,
      key: checkpointKey(rule.id),
      body: Buffer.from(JSON.stringify(checkpoint, null, 2) + '\n'),
      contentType: 'application/json',
    });
  }

  return {
    ...createBackfillActivities(deps),

    /**
     * Where a rule with no previous run starts: its checkpoint mirror if one exists (the schedule
     * was deleted and created again), else `startFrom`, clamped to the API's 180-day retention.
     */
    async resolveStart({ rule }: { rule: RuleSpec }): Promise<CollectState> {
      const key = checkpointKey(rule.id);
      let body: Buffer | undefined;
      try {
        body = await deps.store.get({ bucket: rule.destination.bucket, key });
      } catch (error) {
        throw classifyS3Error({ error, bucket: rule.destination.bucket, key });
      }
      if (body) {
        const checkpoint = JSON.parse(body.toString('utf8')) as Checkpoint;
        if (checkpoint.orgId !== rule.connection.orgId) {
          throw configError(
            `rule ${rule.id}: the checkpoint s3://${rule.destination.bucket}/${key} belongs to org ${checkpoint.orgId}, not ${rule.connection.orgId}. ` +
              `Give the rule a new id or remove the checkpoint to start over.`,
          );
        }
        log.info('resuming from checkpoint', { ruleId: rule.id, lastProcessedAt: checkpoint.lastProcessedAt });
        const { position, startPointMs, lastProcessedAt, totals } = checkpoint;
        return { position, startPointMs, lastProcessedAt, totals };
      }
      const nowMs = now();
      const from = resolveStartFrom(rule.startFrom, nowMs);
      if (from === undefined) throw configError(`rule ${rule.id}: startFrom '${rule.startFrom}' is neither a duration like 7d nor an ISO date.`);
      const startPointMs = Math.max(from, nowMs - RETENTION_MS);
      return { position: { fromMs: startPointMs }, startPointMs, lastProcessedAt: null, totals: { events: 0, objects: 0, bytes: 0 } };
    },

    /**
     * One batch: objects read back to back from the state's position, each uploaded under a key
     * derived from where it starts and mirrored in the checkpoint, for up to `batchMs` (at least one
     * object). Heartbeats carry the progress, so a retried batch resumes after its last object.
     * The workflow advances only from the returned result.
     */
    async collectBatch({ rule, state }: BatchInput): Promise<BatchResult> {
      const context = Context.current();
      const { connection, destination } = rule;
      const apiKey = deps.secrets.resolve({ ref: connection.apiKeyRef, connection: connection.name });
      const resumed = context.info.heartbeatDetails;
      let batch = emptyBatch(state.position);
      if (isBatchResult(resumed)) {
        batch = resumed;
        log.info('batch resumes after the objects an earlier attempt wrote', { ruleId: rule.id, objects: batch.objects, events: batch.events });
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
            ruleId: rule.id,
            start: batch.nextPosition,
            another: () => now() < deadline && !context.cancellationSignal.aborted,
            done: async ({ start, read, key, rawBytes, bytes }) => {
              const object: ObjectStep = {
                nextPosition: read.position,
                events: read.body.events,
                rawBytes,
                bytes,
                key,
                caughtUp: read.caughtUp,
                lastProcessedAt: read.lastProcessedAt,
              };
              const next = addObject(batch, object);
              if (key !== null || positionToken(read.position) !== positionToken(start)) {
                await writeCheckpoint(rule, advance(state, next));
              }
              batch = next;
              context.heartbeat(batch);
              const lastProcessedAt = batch.lastProcessedAt ?? state.lastProcessedAt;
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
        const moved = batch.objects > 0 || positionToken(batch.nextPosition) !== positionToken(state.position);
        if (!moved || context.cancellationSignal.aborted) throw error;
        batch = { ...batch, caughtUp: false };
        log.warn('batch ends early with what it wrote; the next batch retries', {
          ruleId: rule.id,
          objects: batch.objects,
          events: batch.events,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      const { events, objects, bytes, caughtUp } = batch;
      log.info('batch done', { ruleId: rule.id, events, objects, bytes, caughtUp, lastProcessedAt: batch.lastProcessedAt ?? state.lastProcessedAt });
      return batch;
    },

    /** Pauses the rule's schedule with a note saying what a human must fix. */
    async pauseRule({ ruleId, note }: { ruleId: string; note: string }): Promise<void> {
      try {
        await Context.current().client.schedule.getHandle(scheduleIdOf(ruleId)).pause(note);
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      }
    },
  };
}

/** Heartbeat details of an earlier attempt of the batch, if that attempt recorded any. */
function isBatchResult(value: unknown): value is BatchResult {
  const v = value as Partial<BatchResult> | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.nextPosition === 'object' && typeof v.events === 'number' && Array.isArray(v.keys);
}

export type Activities = ReturnType<typeof createActivities>;
