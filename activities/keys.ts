import { createHash } from 'node:crypto';
import type { Position } from '../workflows/types';
import { STATE_PREFIX } from '../workflows/types';

/** A stable text for a position: the same start always yields the same object key. */
export function positionToken(position: Position): string {
  return 'cursor' in position ? `cursor:${position.cursor}` : `from:${position.fromMs}`;
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
  const at = new Date(params.firstProcessedAtMs).toISOString();
  const partition = `${at.slice(0, 4)}/${at.slice(5, 7)}/${at.slice(8, 10)}/${at.slice(11, 13)}`;
  const hash = createHash('sha256').update(positionToken(params.start)).digest('hex').slice(0, 16);
  return `${params.prefix}${partition}/${params.ruleId}-${params.firstProcessedAtMs}-${hash}.json.zst`;
}

/** The checkpoint mirror lives at the bucket root, outside every data prefix. */
export function checkpointKey(ruleId: string): string {
  return `${STATE_PREFIX}${ruleId}.json`;
}
