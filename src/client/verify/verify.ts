// audit-collect verify: an audit of completeness. Reads every object under a rule's prefix and
// reports objects, events, duplicate event IDs and malformed lines; when the source can be asked,
// also the events it has in the range that S3 lacks.
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { checkpointKey } from '../../storage/keys';
import type { EventSource } from '../../atlassian/client';
import { MAX_PAGE_LIMIT, processedAtOf } from '../../atlassian/client';
import type { ObjectStore } from '../../storage/s3';
import type { Compressor } from '../../pipeline/zstd';
import { startPosition } from '../../model/position';
import type { Checkpoint, RuleSpec, StreamPosition } from '../../model/types';

const LISTED = 20;

export interface VerifyReport {
  ruleId: string;
  bucket: string;
  prefix: string;
  objects: number;
  events: number;
  duplicateIds: number;
  duplicates: string[];
  malformedLines: number;
  malformed: Array<{ key: string; line: number }>;
  source:
    { checked: false; reason: string } | { checked: true; from: string; to: string; events: number; missing: number; missingIds: string[] };
  ok: boolean;
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

/** Every processedAt-ordered event the source has from `fromMs` through `toMs`, by ID. */
async function sourceIds(params: {
  source: EventSource;
  rule: RuleSpec;
  apiKey: string;
  fromMs: number;
  toMs: number;
}): Promise<Set<string>> {
  const ids = new Set<string>();
  let position: StreamPosition = startPosition(params.fromMs);
  for (;;) {
    const page = await params.source.fetchPage({
      connection: params.rule.connection,
      apiKey: params.apiKey,
      position,
      limit: MAX_PAGE_LIMIT,
    });
    const known = ids.size;
    let lastMs = position.atMs;
    for (const event of page.events) {
      const at = processedAtOf(event) ?? lastMs;
      if (at > params.toMs) return ids;
      if (at >= params.fromMs) ids.add(event.id);
      lastMs = Math.max(lastMs, at);
    }
    if (page.events.length < MAX_PAGE_LIMIT || (position.cursor === null && ids.size === known)) return ids;
    // A full page without a cursor goes on from its last millisecond; the set drops the repeats.
    position = { atMs: lastMs, idsAtMs: [], cursor: page.nextCursor };
  }
}

export async function verifyRule(params: {
  rule: RuleSpec;
  s3: S3Client;
  store: ObjectStore;
  compressor: Compressor;
  /** The source and a resolved key, or why the source cannot be asked from here. */
  source: { source: EventSource; apiKey: string } | { reason: string };
  fromMs?: number;
  toMs?: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<VerifyReport> {
  const { rule } = params;
  const { bucket, prefix } = rule.destination;
  const inRange = (ms: number) => (params.fromMs === undefined || ms >= params.fromMs) && (params.toMs === undefined || ms <= params.toMs);
  const keys = await listKeys(params.s3, bucket, prefix);
  const seen = new Set<string>();
  const duplicates: string[] = [];
  let duplicateIds = 0;
  const malformed: VerifyReport['malformed'] = [];
  let malformedLines = 0;
  let events = 0;
  for (const [index, key] of keys.entries()) {
    params.onProgress?.(index, keys.length);
    const body = await params.store.get({ bucket, key });
    let text = '';
    try {
      text = (await params.compressor.decompress(body?.body ?? Buffer.alloc(0))).toString('utf8');
    } catch {
      malformedLines += 1;
      if (malformed.length < LISTED) malformed.push({ key, line: 0 });
      continue;
    }
    const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
    lines.forEach((line, n) => {
      let event: { id?: unknown; attributes?: { processedAt?: unknown } };
      try {
        event = JSON.parse(line);
      } catch {
        event = {};
      }
      const at = typeof event.attributes?.processedAt === 'string' ? Date.parse(event.attributes.processedAt) : NaN;
      if (typeof event.id !== 'string' || Number.isNaN(at)) {
        malformedLines += 1;
        if (malformed.length < LISTED) malformed.push({ key, line: n + 1 });
        return;
      }
      if (!inRange(at)) return;
      events += 1;
      if (seen.has(event.id)) {
        duplicateIds += 1;
        if (duplicates.length < LISTED) duplicates.push(event.id);
      }
      seen.add(event.id);
    });
  }
  params.onProgress?.(keys.length, keys.length);

  let source: VerifyReport['source'];
  if ('reason' in params.source) {
    source = { checked: false, reason: params.source.reason };
  } else {
    const body = await params.store.get({ bucket, key: checkpointKey(rule.id) });
    const checkpoint = body ? (JSON.parse(body.body.toString('utf8')) as Checkpoint) : undefined;
    if (!checkpoint?.lastProcessedAt) {
      source = {
        checked: false,
        reason: `no checkpoint with a cursor at s3://${bucket}/${checkpointKey(rule.id)}: the rule has not collected yet`,
      };
    } else {
      // What the rule should hold: from its start point (or --from) up to its cursor (or --to, if earlier).
      const fromMs = params.fromMs ?? checkpoint.startPointMs;
      const toMs = Math.min(params.toMs ?? Infinity, Date.parse(checkpoint.lastProcessedAt));
      const expected = await sourceIds({ source: params.source.source, rule, apiKey: params.source.apiKey, fromMs, toMs });
      const missingIds = [...expected].filter((id) => !seen.has(id));
      source = {
        checked: true,
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        events: expected.size,
        missing: missingIds.length,
        missingIds: missingIds.slice(0, LISTED),
      };
    }
  }
  const ok = duplicateIds === 0 && malformedLines === 0 && (!source.checked || source.missing === 0);
  return { ruleId: rule.id, bucket, prefix, objects: keys.length, events, duplicateIds, duplicates, malformedLines, malformed, source, ok };
}

export function verifyText(r: VerifyReport): string {
  const lines = [
    `rule        ${r.ruleId}: s3://${r.bucket}/${r.prefix}`,
    `objects     ${r.objects}`,
    `events      ${r.events}`,
    `duplicates  ${r.duplicateIds}${r.duplicates.length ? ` (${r.duplicates.join(', ')}${r.duplicateIds > r.duplicates.length ? ', ...' : ''})` : ''}`,
    `malformed   ${r.malformedLines}${r.malformed.length ? ` (${r.malformed.map((m) => `${m.key}:${m.line}`).join(', ')})` : ''}`,
    r.source.checked
      ? `missing     ${r.source.missing} of ${r.source.events} source events processed ${r.source.from} to ${r.source.to}${r.source.missingIds.length ? ` (${r.source.missingIds.join(', ')})` : ''}`
      : `missing     not checked: ${r.source.reason}`,
    r.ok ? 'OK' : 'PROBLEMS FOUND',
  ];
  return lines.join('\n');
}
