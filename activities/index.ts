// Activities are thin over injected clients: an event source, an object store, a compressor and a
// secret resolver. They fetch, compress and upload; only references, cursors and counts go back
// to the workflow.
import { Context, log } from '@temporalio/activity';
import { ScheduleNotFoundError } from '@temporalio/client';
import { RETENTION_MS, resolveStartFrom } from '../common/duration';
import { scheduleIdOf, type BatchInput, type BatchResult, type Checkpoint, type CollectState, type RuleSpec } from '../workflows/types';
import { classifyS3Error, configError } from './errors';
import { createCollectorMetrics, type CollectorMetrics } from './metrics';
import { heartbeating, putClassified, readPages, writeEvents } from './batch';
import { createBackfillActivities } from './backfill';
import type { EventSource } from './io/atlassian';
import type { ObjectStore } from './io/s3';
import type { SecretResolver } from './io/secrets';
import type { Compressor } from './io/zstd';
import { checkpointKey, objectKey, positionToken } from './keys';
import { advance } from '../workflows/state';

export interface ActivityDeps {
  source: EventSource;
  store: ObjectStore;
  compressor: Compressor;
  secrets: SecretResolver;
  /** Events per request (the API allows 1 to 500). */
  pageLimit: number;
  /** Pages followed before one upload: bounds the memory of a batch and the size of an object. */
  pagesPerBatch: number;
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

    /** One batch (see `collectBatch` below), heartbeating while it runs. */
    async collectBatch(input: BatchInput): Promise<BatchResult> {
      const progress = { pages: 0, events: 0 };
      return heartbeating(progress, () => collectBatch(input, progress));
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

  /**
   * Follows up to `pagesPerBatch` pages from the state's position, uploads them as one NDJSON zstd
   * object under a key derived from that position, mirrors the checkpoint, and returns the next
   * position. The workflow advances only from this return value.
   */
  async function collectBatch({ rule, state }: BatchInput, progress: { pages: number; events: number }): Promise<BatchResult> {
    const { connection, destination } = rule;
    const apiKey = deps.secrets.resolve({ ref: connection.apiKeyRef, connection: connection.name });
    const start = state.position;
    const read = await readPages({
      source: deps.source,
      connection,
      apiKey,
      start,
      pageLimit: deps.pageLimit,
      maxPages: deps.pagesPerBatch,
      onPage: ({ pages, events }) => Object.assign(progress, { pages, events }),
    });
    const { lines, position, caughtUp, lastProcessedAt } = read;

    let key: string | null = null;
    let rawBytes = 0;
    let bytes = 0;
    if (read.firstProcessedAt !== null && lastProcessedAt !== null) {
      const first = read.firstProcessedAt;
      key = objectKey({ prefix: destination.prefix, ruleId: rule.id, firstProcessedAtMs: Date.parse(first), start });
      ({ rawBytes, bytes } = await writeEvents({ ...deps, bucket: destination.bucket, key, ruleId: rule.id, lines, firstProcessedAt: first, lastProcessedAt }));
    }

    const result: BatchResult = { nextPosition: position, events: lines.length, rawBytes, bytes, key, caughtUp, lastProcessedAt };
    if (key !== null || positionToken(position) !== positionToken(start)) {
      await writeCheckpoint(rule, advance(state, result));
    }
    const cursorAt = lastProcessedAt ?? state.lastProcessedAt;
    metrics.batchDone({ ruleId: rule.id, events: result.events, bytes, lastProcessedAt: cursorAt, nowMs: now() });
    log.info('batch done', { ruleId: rule.id, events: result.events, bytes, key, caughtUp, lastProcessedAt: cursorAt });
    return result;
  }
}

export type Activities = ReturnType<typeof createActivities>;
