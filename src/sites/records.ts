// What identifies a site audit record and when it was created (docs/site-audit-apis.md §1.3, §2.3).
// Jira records carry an integer `id` and a `created` date-time; Confluence records carry no ID at
// all and a `creationDate` in epoch ms, so they are known by a hash of their content plus which
// occurrence of that content they are in their millisecond.
import { createHash } from 'node:crypto';
import type { SiteSourceKind, StreamPosition } from '../model/types';

export type SiteProduct = 'jira' | 'confluence';

export const productOf = (source: SiteSourceKind): SiteProduct => (source === 'jira-site' ? 'jira' : 'confluence');

export const PRODUCT_NAMES: Record<SiteProduct, string> = { jira: 'Jira', confluence: 'Confluence' };

export type SiteRecordJson = Record<string, unknown>;

/** One record as the collector keeps it: its ID, its creation time and its text exactly as received. */
export interface IdentifiedRecord {
  id: string;
  atMs: number;
  line: string;
}

/** JSON with object keys sorted at every level: equal records give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of the canonical record, hex: what a record without an ID is known by (with its occurrence). */
export function contentHash(record: SiteRecordJson): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}

// `2022-01-24T08:48:05.645+0000`: an offset without a colon, which not every Date.parse takes.
const JIRA_OFFSET = /([+-]\d{2})(\d{2})$/;

/** Epoch ms of the record's creation (Jira `created`, Confluence `creationDate`), if it has one that parses. */
export function recordTimeMs(product: SiteProduct, record: SiteRecordJson): number | undefined {
  if (product === 'confluence') {
    const value = record.creationDate;
    const ms = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  const created = record.created;
  if (typeof created !== 'string') return undefined;
  const ms = Date.parse(created.replace(JIRA_OFFSET, '$1:$2'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** The record's own ID: Jira's integer `id`; Confluence records have none. */
export function ownId(product: SiteProduct, record: SiteRecordJson): string | undefined {
  if (product !== 'jira') return undefined;
  const id = record.id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  return typeof id === 'string' && /^\d+$/.test(id) ? id : undefined;
}

/** How an ID orders records of one millisecond: Jira IDs by number, content IDs by hash then occurrence. */
export function rankOf(id: string): [string, number] {
  const colon = id.indexOf(':');
  return colon < 0 ? ['', Number(id)] : [id.slice(0, colon), Number(id.slice(colon + 1))];
}

/** Oldest first; within a millisecond by rank, so that every reader of a window orders it alike. */
export function compareRecords(a: { atMs: number; id: string }, b: { atMs: number; id: string }): number {
  if (a.atMs !== b.atMs) return a.atMs - b.atMs;
  const [ga, na] = rankOf(a.id);
  const [gb, nb] = rankOf(b.id);
  return ga !== gb ? (ga < gb ? -1 : 1) : na - nb;
}

/**
 * Counts occurrences of content among records of one millisecond, to name records without an ID
 * `<content hash>:<n>`, n from 0. Seeded with what a position already holds at its millisecond, so
 * that records read on from there continue its count.
 */
export class OccurrenceCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly product: SiteProduct) {}

  /** Continues the count of `position`'s millisecond: the content IDs written there come first. */
  static after(product: SiteProduct, position: Pick<StreamPosition, 'atMs' | 'idsAtMs'>): OccurrenceCounter {
    const counter = new OccurrenceCounter(product);
    for (const id of position.idsAtMs) {
      const [hash] = rankOf(id);
      if (hash !== '') counter.counts.set(`${position.atMs}/${hash}`, (counter.counts.get(`${position.atMs}/${hash}`) ?? 0) + 1);
    }
    return counter;
  }

  /** The record's ID: its own, or its content hash and occurrence in its millisecond. */
  idOf(record: SiteRecordJson, atMs: number): { id: string; own: boolean } {
    const own = ownId(this.product, record);
    if (own !== undefined) return { id: own, own: true };
    const hash = contentHash(record);
    const key = `${atMs}/${hash}`;
    const n = this.counts.get(key) ?? 0;
    this.counts.set(key, n + 1);
    return { id: `${hash}:${n}`, own: false };
  }
}

/**
 * The IDs and times of an object's lines as stored, written on from `start`: what a write-once PUT
 * that finds its key taken reads back. Gives every record the ID the window reader gave it.
 */
export function identifyStoredLines(params: {
  product: SiteProduct;
  lines: string[];
  start: Pick<StreamPosition, 'atMs' | 'idsAtMs'>;
}): Array<{ id: string; processedAtMs: number; processedAt: string }> {
  const counter = OccurrenceCounter.after(params.product, params.start);
  // The reader takes no record without a time; one here (an object edited by hand) stays where it is.
  let lastMs = params.start.atMs;
  return params.lines.map((line) => {
    const record = JSON.parse(line) as SiteRecordJson;
    const atMs = recordTimeMs(params.product, record) ?? lastMs;
    lastMs = atMs;
    return { id: counter.idOf(record, atMs).id, processedAtMs: atMs, processedAt: new Date(atMs).toISOString() };
  });
}
