// audit-collect verify: an audit of completeness. Reads every object under a rule's prefix and
// reports objects, events, duplicate event IDs and malformed lines; when the source can be asked,
// also the events it has in the range that S3 lacks. Site records are identified as the collector
// identifies them: Jira by `id`, Confluence by content hash and occurrence in their millisecond (so
// a Confluence record stored more often than the site holds it counts as a duplicate only when
// the source is asked).
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { checkpointKey } from '../../storage/keys';
import type { EventSource } from '../../atlassian/client';
import { MAX_PAGE_LIMIT, processedAtOf } from '../../atlassian/client';
import type { ObjectStore } from '../../storage/s3';
import type { Compressor } from '../../pipeline/zstd';
import { startPosition } from '../../model/position';
import type { Checkpoint, ConnectionSpec, RuleSpec, StreamPosition } from '../../model/types';
import type { SiteAuditApi } from '../../sites/client';
import { OccurrenceCounter, productOf, recordTimeMs, type SiteRecordJson } from '../../sites/records';
import { readWindow } from '../../sites/window';

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

/** The IDs the source holds from `fromMs` through `toMs` (by processedAt, or a site record's creation time). */
export type SourceIds = (range: { fromMs: number; toMs: number }) => Promise<Set<string>>;

/** The ID and time of a stored line, or undefined when it is not a record of the rule's source. */
type LineReader = (line: string) => { id: string; atMs: number } | undefined;

function orgLines(): LineReader {
  return (line) => {
    let event: { id?: unknown; attributes?: { processedAt?: unknown } };
    try {
      event = JSON.parse(line);
    } catch {
      return undefined;
    }
    const at = typeof event.attributes?.processedAt === 'string' ? Date.parse(event.attributes.processedAt) : NaN;
    return typeof event.id !== 'string' || Number.isNaN(at) ? undefined : { id: event.id, atMs: at };
  };
}

function siteLines(connection: ConnectionSpec): LineReader {
  const product = productOf(connection.source!);
  const counter = new OccurrenceCounter(product);
  return (line) => {
    let record: SiteRecordJson;
    try {
      record = JSON.parse(line);
    } catch {
      return undefined;
    }
    const atMs = typeof record === 'object' && record !== null ? recordTimeMs(product, record) : undefined;
    return atMs === undefined ? undefined : { id: counter.idOf(record, atMs).id, atMs };
  };
}

/** The org's events from `fromMs` through `toMs`, by ID. */
export function orgSourceIds(params: { source: EventSource; rule: RuleSpec; apiKey: string }): SourceIds {
  return (range) => sourceIds({ ...params, ...range });
}

/** A site's records from `fromMs` through `toMs`, by the IDs the collector gives them, a day's window at a time. */
export function siteSourceIds(params: { api: SiteAuditApi; connection: ConnectionSpec; token: string; pageLimit: number }): SourceIds {
  return async ({ fromMs, toMs }) => {
    const ids = new Set<string>();
    for (let from = fromMs; from <= toMs; from += DAY_MS) {
      const window = await readWindow({ ...params, limit: params.pageLimit, fromMs: from, toMs: Math.min(toMs, from + DAY_MS - 1) });
      for (const record of window.records) ids.add(record.id);
    }
    return ids;
  };
}

const DAY_MS = 86_400_000;

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
  /** How to ask the source (its key resolved), or why it cannot be asked from here. */
  source: { ids: SourceIds } | { reason: string };
  fromMs?: number;
  toMs?: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<VerifyReport> {
  const { rule } = params;
  const { bucket, prefix } = rule.destination;
  const inRange = (ms: number) => (params.fromMs === undefined || ms >= params.fromMs) && (params.toMs === undefined || ms <= params.toMs);
  const keys = await listKeys(params.s3, bucket, prefix);
  const identify = rule.connection.source ? siteLines(rule.connection) : orgLines();
  /** Each ID stored, with its time. */
  const seen = new Map<string, number>();
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
      const event = identify(line);
      if (event === undefined) {
        malformedLines += 1;
        if (malformed.length < LISTED) malformed.push({ key, line: n + 1 });
        return;
      }
      if (!inRange(event.atMs)) return;
      events += 1;
      if (seen.has(event.id)) {
        duplicateIds += 1;
        if (duplicates.length < LISTED) duplicates.push(event.id);
      }
      seen.set(event.id, event.atMs);
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
      const expected = await params.source.ids({ fromMs, toMs });
      const missingIds = [...expected].filter((id) => !seen.has(id));
      if (rule.connection.source === 'confluence-site') {
        // Without IDs, a second copy of a record reads as one more occurrence than the site holds.
        const extra = [...seen].filter(([id, atMs]) => !expected.has(id) && atMs >= fromMs && atMs <= toMs).map(([id]) => id);
        duplicateIds += extra.length;
        duplicates.push(...extra.slice(0, Math.max(0, LISTED - duplicates.length)));
      }
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
