// Reading one closed window of a site audit log, `[fromMs, toMs]`, completely and each record once,
// over an API that lists newest first, pages by offset and may gain records while it is read
// (docs/reliability.md, "Site audit logs"). The walk goes by time as well as by offset: every request
// asks from offset 0 for the window's records up to the oldest millisecond the previous full page
// reached, so a record inserted anywhere but in that one millisecond shifts nothing the walk still
// has to read. A millisecond holding a whole page is read on its own by offset (Jira: deduplicated
// by ID; records without an ID: read until two reads agree).
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../common/failures';
import type { ConnectionSpec } from '../model/types';
import type { Priority } from '../atlassian/pacer';
import type { SiteAuditApi, SitePage } from './client';
import {
  OccurrenceCounter,
  PRODUCT_NAMES,
  compareRecords,
  productOf,
  recordTimeMs,
  type IdentifiedRecord,
  type SiteProduct,
  type SiteRecordJson,
} from './records';

export interface WindowRead {
  /** Every record created in the window, oldest first (by time, then ID), each once. */
  records: IdentifiedRecord[];
  pages: number;
  /** Records served twice within the walk (offsets shifted while paging), kept once. */
  repeated: number;
  /** Jira records without an integer `id`, known by their content as Confluence records are. */
  withoutId: number;
}

/** How many times a millisecond of records without IDs is read again, waiting for two reads that agree. */
const MAX_MILLISECOND_READS = 5;

interface Entry {
  record: SiteRecordJson;
  line: string;
  atMs: number;
}

export async function readWindow(params: {
  api: SiteAuditApi;
  connection: ConnectionSpec;
  token: string;
  fromMs: number;
  toMs: number;
  limit: number;
  priority?: Priority;
  onPage?: (pages: number) => void;
}): Promise<WindowRead> {
  const { api, connection, token, fromMs, limit, priority } = params;
  const product = productOf(connection.source ?? 'jira-site');
  const counter = new OccurrenceCounter(product);
  const seen = new Set<string>();
  const out: WindowRead = { records: [], pages: 0, repeated: 0, withoutId: 0 };

  // One millisecond before and after: an API that took its bounds as exclusive (or compared them a
  // millisecond off) still serves both ends; what lies outside is dropped here.
  async function page(upperMs: number, offset: number): Promise<Entry[] & { full: boolean }> {
    const got: SitePage = await api.fetchPage({ connection, token, fromMs: fromMs - 1, toMs: upperMs + 1, offset, limit, priority });
    out.pages += 1;
    params.onPage?.(out.pages);
    const entries = got.records.map((record, index) => ({ record, line: got.lines[index]!, atMs: timeOf(product, connection, record) }));
    return Object.assign(entries, { full: got.records.length >= got.limit });
  }

  /** Takes the records of whole milliseconds, each millisecond once, in the API's order. */
  function take(entries: Entry[]): void {
    for (const { record, line, atMs } of entries) {
      const { id, own } = counter.idOf(record, atMs);
      if (product === 'jira' && !own) out.withoutId += 1;
      if (own && seen.has(id)) {
        out.repeated += 1;
        continue;
      }
      seen.add(id);
      out.records.push({ id, atMs, line });
    }
  }

  /** Every record of one millisecond, by offset; records without an ID until two reads agree. */
  async function millisecond(ms: number): Promise<Entry[]> {
    let previous: string | undefined;
    let entries: Entry[] = [];
    for (let reads = 0; reads < MAX_MILLISECOND_READS; reads++) {
      entries = [];
      let pages = 0;
      for (let offset = 0; ;) {
        const got = await page(ms, offset);
        pages += 1;
        entries.push(...got.filter((e) => e.atMs === ms));
        if (!got.full || got.some((e) => e.atMs < ms)) break;
        offset += got.length;
      }
      // Jira's IDs make repeats harmless; one page cannot have shifted.
      if (product === 'jira' || pages === 1) return entries;
      const snapshot = entries
        .map((e) => e.line)
        .sort()
        .join('\n');
      if (snapshot === previous) return entries;
      previous = snapshot;
    }
    return entries;
  }

  for (let upper = params.toMs; upper >= fromMs;) {
    const got = await page(upper, 0);
    const inWindow = got.filter((e) => e.atMs >= fromMs && e.atMs <= upper);
    if (!got.full) {
      take(inWindow);
      break;
    }
    const oldest = Math.min(...got.map((e) => e.atMs));
    if (oldest >= upper) {
      // The page holds nothing older than `upper`: that millisecond fills it.
      take(await millisecond(upper));
      upper -= 1;
      continue;
    }
    // Every millisecond after the page's oldest is whole on it; the oldest may go on beyond it.
    take(inWindow.filter((e) => e.atMs > oldest));
    upper = oldest;
  }
  out.records.sort(compareRecords);
  return out;
}

function timeOf(product: SiteProduct, connection: ConnectionSpec, record: SiteRecordJson): number {
  const ms = recordTimeMs(product, record);
  if (ms !== undefined) return ms;
  throw ApplicationFailure.create({
    type: ErrorType.MalformedResponse,
    message: `${PRODUCT_NAMES[product]} site ${connection.orgId}: the audit records request answered 200 with a record without a ${product === 'jira' ? 'created date-time' : 'creationDate'}; retrying`,
  });
}
