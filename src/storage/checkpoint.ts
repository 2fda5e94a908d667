// The rule's checkpoint mirror in S3: written after every object, read at the start of every batch
// so that a rule resumes from the furthest point it durably reached, whatever Temporal remembers.
import { normalizeState } from '../model/position';
import { sourceLabel } from '../model/source';
import type { Checkpoint, CollectState, RuleSpec } from '../model/types';
import { classifyS3Error } from './s3-errors';
import { configFailure } from '../common/failures';
import { putClassified } from './put-classified';
import type { ObjectStore } from './s3';
import { checkpointKey } from './keys';

/** The checkpoint as read: the state it records and the version (ETag) a fenced write must replace. */
export interface StoredCheckpoint {
  state: CollectState;
  etag: string | undefined;
}

/**
 * Writes the checkpoint, fenced: it creates the checkpoint only where there is none (`after` null)
 * and else replaces only the version this writer last read or wrote (`after`, its ETag). When
 * another writer has written it since, nothing is written and the answer is `superseded`: that
 * writer is further on, and this one must stop. Unfenced (`fenced` false: an S3 server without
 * conditional writes, accepted by the operator), a plain overwrite.
 */
export async function writeCheckpoint(params: {
  store: ObjectStore;
  rule: RuleSpec;
  state: CollectState;
  nowMs: number;
  after: string | null;
  fenced: boolean;
}): Promise<{ etag: string | null } | 'superseded'> {
  const { rule, state } = params;
  const checkpoint: Checkpoint = {
    ruleId: rule.id,
    orgId: rule.connection.orgId,
    ...(rule.connection.source && { source: rule.connection.source }),
    bucket: rule.destination.bucket,
    prefix: rule.destination.prefix,
    updatedAt: new Date(params.nowMs).toISOString(),
    ...state,
  };
  const outcome = await putClassified(params.store, {
    bucket: rule.destination.bucket,
    key: checkpointKey(rule.id),
    body: Buffer.from(JSON.stringify(checkpoint, null, 2) + '\n'),
    contentType: 'application/json',
    ...(params.fenced && { condition: params.after === null ? { create: true } : { replace: params.after } }),
  });
  if (!outcome.written) return 'superseded';
  if (params.fenced && outcome.etag === undefined) {
    throw configFailure(
      `S3 bucket ${rule.destination.bucket}: the server answered a conditional PutObject without an ETag, so the checkpoint cannot be fenced. ` +
        'Use an S3 server that returns ETags, or set AUDIT_COLLECT_ALLOW_UNFENCED_WRITES=true to accept overwrites (see docs/reliability.md).',
    );
  }
  return { etag: outcome.etag ?? null };
}

/**
 * The checkpoint and its version, or undefined when there is none. A checkpoint that is not a
 * readable state, or that belongs to another org or destination, needs a human: guessing would lose
 * or repeat events.
 */
export async function readCheckpoint(params: { store: ObjectStore; rule: RuleSpec }): Promise<StoredCheckpoint | undefined> {
  const { rule } = params;
  const bucket = rule.destination.bucket;
  const key = checkpointKey(rule.id);
  let stored;
  try {
    stored = await params.store.get({ bucket, key });
  } catch (error) {
    throw classifyS3Error({ error, bucket, key, operation: 'GetObject' });
  }
  if (stored === undefined) return undefined;
  const where = `rule ${rule.id}: the checkpoint s3://${bucket}/${key}`;
  let checkpoint: Partial<Checkpoint>;
  try {
    checkpoint = JSON.parse(stored.body.toString('utf8')) as Partial<Checkpoint>;
  } catch {
    throw configFailure(
      `${where} is not valid JSON. Restore it from the bucket's versions or delete it (the rule then resumes from its last run), then resume the rule.`,
    );
  }
  if (!isState(checkpoint)) {
    throw configFailure(
      `${where} does not hold a position and totals. Restore it from the bucket's versions or delete it, then resume the rule.`,
    );
  }
  const checkpointSource = sourceLabel({ ...rule.connection, source: checkpoint.source, orgId: String(checkpoint.orgId) });
  if (checkpointSource !== sourceLabel(rule.connection)) {
    throw configFailure(
      `${where} belongs to ${checkpointSource}, not ${sourceLabel(rule.connection)}. Give the rule a new id or remove the checkpoint to start over.`,
    );
  }
  // Checkpoints from before 0.2.0 name no destination: they are taken as this rule's, and the next write names it.
  // Drop the `undefined` case once every rule has written a checkpoint on 0.2.0 or later.
  if (checkpoint.prefix !== undefined && (checkpoint.prefix !== rule.destination.prefix || checkpoint.bucket !== bucket)) {
    throw configFailure(
      `${where} records the position of rule ${rule.id} writing to s3://${checkpoint.bucket}/${checkpoint.prefix}, not s3://${bucket}/${rule.destination.prefix}: ` +
        "another deployment, or this rule before its destination changed. To start this destination from the rule's startFrom, give the rule a new id; " +
        'to carry the position over (the events before it stay where they were written), delete that checkpoint. Then resume the rule.',
    );
  }
  const { position, startPointMs, lastProcessedAt, totals } = checkpoint;
  return { state: normalizeState({ position, startPointMs, lastProcessedAt, totals }), etag: stored.etag };
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

/** Today's `{atMs, idsAtMs, cursor}`, or a checkpoint's from before 0.2.0: `{cursor}` or `{fromMs}` (see LegacyPosition). */
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
