import { createHash } from 'node:crypto';
import type { Position } from '../workflows/types';
import { STATE_PREFIX } from '../workflows/types';

/** A stable text for a position: the same start always yields the same object key. */
export function positionToken(position: Position): string {
  if ('cursor' in position) return `cursor:${position.cursor}`;
  return position.toMs === undefined ? `from:${position.fromMs}` : `from:${position.fromMs}:to:${position.toMs}`;
}

/** `YYYY/MM/DD/HH` of an instant, in UTC. */
function partitionOf(ms: number): string {
  const at = new Date(ms).toISOString();
  return `${at.slice(0, 4)}/${at.slice(5, 7)}/${at.slice(8, 10)}/${at.slice(11, 13)}`;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * `<prefix>YYYY/MM/DD/HH/<ruleId>-<firstProcessedAtMs>-<hash(start)>.json.zst`: partitioned by the
 * first event's processing time and named by the batch's starting position, never by the wall
 * clock, so a retried batch overwrites its own object instead of writing a second one.
 */
export function objectKey(params: {
  prefix: string;
  ruleId: string;
  firstProcessedAtMs: number;
  start: Position;
}): string {
  const hash = shortHash(positionToken(params.start));
  return `${params.prefix}${partitionOf(params.firstProcessedAtMs)}/${params.ruleId}-${params.firstProcessedAtMs}-${hash}.json.zst`;
}

/**
 * A backfill's object: `<prefix>YYYY/MM/DD/HH/<ruleId>-<backfillTag>-<firstProcessedAtMs>-<hash>.json.zst`,
 * in the same partitions as live objects. The hash names the batch by its slice's start and its
 * number within the slice, never by an API cursor (whose text may differ from one request to the
 * next): the same range read again writes the same keys with the same content.
 */
export function backfillObjectKey(params: {
  prefix: string;
  ruleId: string;
  backfillTag: string;
  firstProcessedAtMs: number;
  sliceFromMs: number;
  batch: number;
}): string {
  const hash = shortHash(`backfill:${params.backfillTag}:slice:${params.sliceFromMs}:batch:${params.batch}`);
  return `${params.prefix}${partitionOf(params.firstProcessedAtMs)}/${params.ruleId}-${params.backfillTag}-${params.firstProcessedAtMs}-${hash}.json.zst`;
}

/** The checkpoint mirror lives at the bucket root, outside every data prefix. */
export function checkpointKey(ruleId: string): string {
  return `${STATE_PREFIX}${ruleId}.json`;
}
