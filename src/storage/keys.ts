import { createHash } from 'node:crypto';
import { STATE_PREFIX, type KeyLayout } from '../model/types';

/** The partition of an instant, in UTC: `YYYY/MM/DD/HH` (hourly) or `dt=YYYY-MM-DD/hour=HH` (hive). */
function partitionOf(ms: number, layout: KeyLayout): string {
  const at = new Date(ms).toISOString();
  const [year, month, day, hour] = [at.slice(0, 4), at.slice(5, 7), at.slice(8, 10), at.slice(11, 13)];
  return layout === 'hive' ? `dt=${year}-${month}-${day}/hour=${hour}` : `${year}/${month}/${day}/${hour}`;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * `<prefix><partition>/<ruleId>[-backfill]-<firstProcessedAtMs>-<hash(firstEventId)>.json.zst`,
 * where the partition is the first event's processedAt hour in the rule's layout (default hourly):
 * named by the object's first event alone (never by a cursor's text, a setting or the clock), so
 * any re-read that starts at the same event overwrites the same object, whoever wrote it and
 * whichever cursor led there. Backfill objects carry `-backfill` so they can be told apart; the
 * range is not in the key, so overlapping backfills write the same keys.
 */
export function objectKey(params: {
  prefix: string;
  ruleId: string;
  first: { id: string; processedAtMs: number };
  backfill?: boolean;
  layout?: KeyLayout;
}): string {
  const { prefix, ruleId, first } = params;
  const kind = params.backfill ? '-backfill' : '';
  return `${prefix}${partitionOf(first.processedAtMs, params.layout ?? 'hourly')}/${ruleId}${kind}-${first.processedAtMs}-${shortHash(first.id)}.json.zst`;
}

/** The checkpoint mirror lives at the bucket root, outside every data prefix. */
export function checkpointKey(ruleId: string): string {
  return `${STATE_PREFIX}${ruleId}.json`;
}
