// One product's audit log on one simulated site: records kept in creation order, read newest first
// as both site audit endpoints serve them, each with the key a collector would deduplicate by.
import { createHash } from 'node:crypto';
import { seededRandom, type Random } from './generate';
import { makeConfluenceRecord, makeJiraRecord, type Product } from './site-generate';

export interface SiteRecord {
  /** Insertion order, 1 and up; within one millisecond the later insert is served first. */
  seq: number;
  createdMs: number;
  /** The Jira `id`, or for Confluence (whose records have none) the hash of the record's content. */
  key: string;
  record: Record<string, unknown>;
  json: string;
}

/** JSON with object keys sorted at every level, so equal records give equal text whatever their key order. */
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

/** SHA-256 of the canonical record: identical records (same content, same millisecond) share it. */
export function confluenceRecordKey(record: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}

export interface AppendParams {
  count: number;
  nowMs: number;
  /** Every record created at this instant (a late record when it is in the past). */
  atMs?: number;
  /** Every record created at `nowMs`. */
  sameMillisecond?: boolean;
  /** Every record a copy of the first: same content and millisecond (Jira still gives each its own id). */
  identical?: boolean;
}

export class SiteAuditLog {
  readonly product: Product;
  private readonly ascending: SiteRecord[] = [];
  private readonly random: Random;
  private seq = 0;
  private nextJiraId = 10_000;

  constructor(params: { product: Product; seed: number }) {
    this.product = params.product;
    this.random = seededRandom(params.seed);
  }

  get size(): number {
    return this.ascending.length;
  }

  private make(createdMs: number, copyOf?: SiteRecord): SiteRecord {
    this.seq += 1;
    let record: Record<string, unknown>;
    if (this.product === 'jira') {
      // Real IDs grow with time but skip values now and then.
      this.nextJiraId += this.random() < 0.05 ? 2 + Math.floor(this.random() * 4) : 1;
      record = copyOf ? { ...copyOf.record, id: this.nextJiraId } : makeJiraRecord({ random: this.random, id: this.nextJiraId, createdMs });
    } else {
      record = copyOf ? structuredClone(copyOf.record) : makeConfluenceRecord({ random: this.random, createdMs });
    }
    const key = this.product === 'jira' ? String(record.id) : confluenceRecordKey(record);
    return { seq: this.seq, createdMs, key, record, json: JSON.stringify(record) };
  }

  /** Index of the first record created after `ms`. */
  private upperBound(ms: number): number {
    let lo = 0;
    let hi = this.ascending.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ascending[mid]!.createdMs <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first record created at or after `ms`. */
  private lowerBound(ms: number): number {
    let lo = 0;
    let hi = this.ascending.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ascending[mid]!.createdMs < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insert(record: SiteRecord): void {
    // The newest insert goes after every record of its millisecond: it has the highest seq.
    this.ascending.splice(this.upperBound(record.createdMs), 0, record);
  }

  /** `count` records created over `[endMs - spanMs, endMs]`, a tenth of them in the millisecond of the one before. */
  seed(params: { count: number; endMs: number; spanMs: number }): void {
    const step = params.spanMs / Math.max(params.count, 1);
    let previous: number | undefined;
    for (let n = 0; n < params.count; n++) {
      const createdMs =
        previous !== undefined && this.random() < 0.1
          ? previous
          : Math.floor(params.endMs - params.spanMs + n * step + this.random() * step);
      this.insert(this.make(createdMs));
      previous = createdMs;
    }
  }

  /** New records: by default one a millisecond, the last at `nowMs`. */
  append(params: AppendParams): SiteRecord[] {
    const added: SiteRecord[] = [];
    const oneInstant = params.atMs ?? (params.sameMillisecond || params.identical ? params.nowMs : undefined);
    for (let n = 0; n < params.count; n++) {
      const createdMs = oneInstant ?? params.nowMs - (params.count - 1 - n);
      const record = this.make(createdMs, params.identical ? added[0] : undefined);
      this.insert(record);
      added.push(record);
    }
    return added;
  }

  /** Every record, newest first. */
  newestFirst(): SiteRecord[] {
    return [...this.ascending].reverse();
  }

  /**
   * The records created within `[fromMs, toMs]` (null: unbounded), newest first. With `inclusive`
   * false, records exactly at a bound are left out.
   */
  window(params: { fromMs: number | null; toMs: number | null; inclusive: boolean; match?: (r: SiteRecord) => boolean }): SiteRecord[] {
    const { fromMs, toMs, inclusive } = params;
    const start = fromMs === null ? 0 : inclusive ? this.lowerBound(fromMs) : this.upperBound(fromMs);
    const end = toMs === null ? this.ascending.length : inclusive ? this.upperBound(toMs) : this.lowerBound(toMs);
    const out: SiteRecord[] = [];
    for (let i = end - 1; i >= start; i--) {
      const r = this.ascending[i]!;
      if (!params.match || params.match(r)) out.push(r);
    }
    return out;
  }
}
