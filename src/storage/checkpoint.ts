// The rule's checkpoint mirror in S3: written after every object, read at the start of every batch
// so that a rule resumes from the furthest point it durably reached, whatever Temporal remembers.
import { normalizeState } from '../model/position';
import type { Checkpoint, CollectState, RuleSpec } from '../model/types';
import { classifyS3Error, configError } from '../common/errors';
import { putClassified } from './put-classified';
import type { ObjectStore } from './s3';
import { checkpointKey } from './keys';

export async function writeCheckpoint(params: { store: ObjectStore; rule: RuleSpec; state: CollectState; nowMs: number }): Promise<void> {
  const { rule, state } = params;
  const checkpoint: Checkpoint = {
    ruleId: rule.id,
    orgId: rule.connection.orgId,
    updatedAt: new Date(params.nowMs).toISOString(),
    ...state,
  };
  await putClassified(params.store, {
    bucket: rule.destination.bucket,
    key: checkpointKey(rule.id),
    body: Buffer.from(JSON.stringify(checkpoint, null, 2) + '\n'),
    contentType: 'application/json',
  });
}

/**
 * The state the checkpoint records, or undefined when there is none. A checkpoint that is not a
 * readable state, or that belongs to another org, needs a human: guessing would lose or repeat events.
 */
export async function readCheckpoint(params: { store: ObjectStore; rule: RuleSpec }): Promise<CollectState | undefined> {
  const { rule } = params;
  const bucket = rule.destination.bucket;
  const key = checkpointKey(rule.id);
  let body: Buffer | undefined;
  try {
    body = await params.store.get({ bucket, key });
  } catch (error) {
    throw classifyS3Error({ error, bucket, key, operation: 'GetObject' });
  }
  if (body === undefined) return undefined;
  const where = `rule ${rule.id}: the checkpoint s3://${bucket}/${key}`;
  let checkpoint: Partial<Checkpoint>;
  try {
    checkpoint = JSON.parse(body.toString('utf8')) as Partial<Checkpoint>;
  } catch {
    throw configError(
      `${where} is not valid JSON. Restore it from the bucket's versions or delete it (the rule then resumes from its last run), then resume the rule.`,
    );
  }
  if (!isState(checkpoint)) {
    throw configError(
      `${where} does not hold a position and totals. Restore it from the bucket's versions or delete it, then resume the rule.`,
    );
  }
  if (checkpoint.orgId !== rule.connection.orgId) {
    throw configError(
      `${where} belongs to org ${checkpoint.orgId}, not ${rule.connection.orgId}. Give the rule a new id or remove the checkpoint to start over.`,
    );
  }
  const { position, startPointMs, lastProcessedAt, totals } = checkpoint;
  return normalizeState({ position, startPointMs, lastProcessedAt, totals });
}

function isState(value: Partial<Checkpoint>): value is Checkpoint {
  const v = value as Partial<Checkpoint> | null;
  if (typeof v !== 'object' || v === null) return false;
  const totals = v.totals as Partial<Checkpoint['totals']> | undefined;
  return (
    isPosition(v.position) &&
    Number.isFinite(v.startPointMs) &&
    (v.lastProcessedAt === null || typeof v.lastProcessedAt === 'string') &&
    typeof totals === 'object' &&
    totals !== null &&
    [totals.events, totals.objects, totals.bytes].every((n) => Number.isFinite(n))
  );
}

/** Today's `{atMs, idsAtMs, cursor}`, or a checkpoint's from before: `{cursor}` or `{fromMs}`. */
function isPosition(value: unknown): boolean {
  const p = value as { atMs?: unknown; idsAtMs?: unknown; cursor?: unknown; fromMs?: unknown } | null;
  if (typeof p !== 'object' || p === null) return false;
  if ('atMs' in p) {
    return (
      Number.isFinite(p.atMs) &&
      Array.isArray(p.idsAtMs) &&
      p.idsAtMs.every((id) => typeof id === 'string') &&
      (p.cursor === null || typeof p.cursor === 'string')
    );
  }
  return typeof p.cursor === 'string' || Number.isFinite(p.fromMs);
}
