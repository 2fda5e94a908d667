// Activities are thin over injected clients: an event source, an object store, a compressor and a
// secret resolver. They fetch, compress and upload; only references, cursors and counts go back
// to the workflow.
import { heartbeat, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { RETENTION_MS, resolveStartFrom } from '../common/duration';
import type { BatchInput, BatchResult, Checkpoint, CollectState, Position, RuleSpec } from '../workflows/types';
import { ErrorType, classifyS3Error, configError } from './errors';
import type { AuditEvent, EventSource } from './io/atlassian';
import type { ObjectStore, PutParams } from './io/s3';
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
}

export function createActivities(deps: ActivityDeps) {
  const now = deps.now ?? Date.now;

  async function put(params: PutParams): Promise<void> {
    try {
      await deps.store.put(params);
    } catch (error) {
      throw classifyS3Error({ error, bucket: params.bucket, key: params.key });
    }
  }

  async function writeCheckpoint(rule: RuleSpec, state: CollectState): Promise<void> {
    const checkpoint: Checkpoint = { ruleId: rule.id, orgId: rule.connection.orgId, updatedAt: new Date(now()).toISOString(), ...state };
    await put({
      bucket: rule.destination.bucket,
      key: checkpointKey(rule.id),
      body: Buffer.from(JSON.stringify(checkpoint, null, 2) + '\n'),
      contentType: 'application/json',
    });
  }

  return {
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
     * Follows up to `pagesPerBatch` pages from the state's position, uploads them as one NDJSON
     * zstd object under a key derived from that position, mirrors the checkpoint, and returns the
     * next position. The workflow advances only from this return value.
     */
    async collectBatch({ rule, state }: BatchInput): Promise<BatchResult> {
      const { connection, destination } = rule;
      const apiKey = deps.secrets.resolve({ ref: connection.apiKeyRef, connection: connection.name });
      const start = state.position;
      const events: AuditEvent[] = [];
      let position: Position = start;
      let caughtUp = false;
      for (let page = 0; page < deps.pagesPerBatch && !caughtUp; page++) {
        const result = await deps.source.fetchPage({ connection, apiKey, position, limit: deps.pageLimit });
        heartbeat({ pages: page + 1, events: events.length + result.events.length });
        events.push(...result.events);
        if (result.nextCursor === null) {
          if (result.events.length > 0) {
            // Without a cursor past these events the next batch could not start after them.
            throw ApplicationFailure.create({
              type: ErrorType.MalformedResponse,
              message: `Atlassian org ${connection.orgId}: a page of ${result.events.length} events came without meta.next; retrying`,
            });
          }
          caughtUp = true;
        } else {
          position = { cursor: result.nextCursor };
          caughtUp = result.events.length < deps.pageLimit;
        }
      }

      let key: string | null = null;
      let rawBytes = 0;
      let bytes = 0;
      if (events.length > 0) {
        const raw = Buffer.from(events.map((event) => JSON.stringify(event)).join('\n') + '\n');
        const body = await deps.compressor.compress(raw);
        const first = events[0].attributes.processedAt;
        const last = events[events.length - 1].attributes.processedAt;
        key = objectKey({ prefix: destination.prefix, ruleId: rule.id, firstProcessedAtMs: Date.parse(first), start });
        await put({
          bucket: destination.bucket,
          key,
          body,
          contentType: 'application/x-ndjson',
          contentEncoding: 'zstd',
          metadata: { 'rule-id': rule.id, 'event-count': String(events.length), 'first-processed-at': first, 'last-processed-at': last },
        });
        rawBytes = raw.length;
        bytes = body.length;
      }

      const lastProcessedAt = events.length > 0 ? events[events.length - 1].attributes.processedAt : null;
      const result: BatchResult = { nextPosition: position, events: events.length, rawBytes, bytes, key, caughtUp, lastProcessedAt };
      if (key !== null || positionToken(position) !== positionToken(start)) {
        await writeCheckpoint(rule, advance(state, result));
      }
      return result;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
