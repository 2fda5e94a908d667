// What a rule reads from. Each kind of connection (the org's events stream, a Jira site's audit
// log, a Confluence site's) is one implementation, chosen by the connection's `source`; the object
// loop, the backfill batch and the write-once upload are the same for all of them.
import { configFailure } from '../common/failures';
import type { Priority } from '../atlassian/pacer';
import { sourceKindOf } from '../model/source';
import type { ConnectionSpec, SourceKind, StreamPosition } from '../model/types';
import type { PagesRead } from './read-pages';
import type { StoredLine } from './stored-object';
import type { Compressor } from './zstd';

export interface SourceRead {
  compressor: Compressor;
  connection: ConnectionSpec;
  /** The resolved API key (org) or API token (site). */
  apiKey: string;
  /** Where the read starts: it skips everything at or before this position. */
  start: StreamPosition;
  /** The end of a closed window (a backfill's), inclusive. */
  toMs?: number;
  /** Live reads: the newest time that is settled (now minus the settle window), inclusive. */
  horizonMs?: number;
  pageLimit: number;
  /** Pages per object: with `pageLimit`, how many events an object holds when `maxEvents` does not say. */
  maxPages: number;
  /** Keep at most this many events: the read ends just after the last one kept. */
  maxEvents?: number;
  onPage?: (progress: { pages: number; events: number }) => void;
  /** Backfills read behind live collection in the request budget. */
  priority?: Priority;
  /** Which events to keep, by their time (a backfill leaves those live collection owns); all when absent. Dropped ones are still read past. */
  keep?: (processedAtMs: number | undefined) => boolean;
}

export interface AuditSource {
  /** The next object's worth of events after `start`, oldest first, each exactly as the API sent it. */
  read(params: SourceRead): Promise<PagesRead>;
  /**
   * The ID and time of each line of an object written from `start`, as `read` identified them:
   * what a write-once PUT that finds its key taken reads back to continue after.
   */
  identify(params: { lines: string[]; start: StreamPosition }): StoredLine[];
}

/** The worker's sources by kind; a test may give only the ones it uses. */
export type AuditSources = Partial<Record<SourceKind, AuditSource>>;

/** The source the connection reads. */
export function sourceFor(sources: AuditSources, connection: ConnectionSpec): AuditSource {
  const kind = sourceKindOf(connection);
  const source = sources[kind];
  if (!source)
    throw configFailure(
      `connection '${connection.name}': this worker cannot read ${kind} sources; upgrade the worker, then resume the rule.`,
    );
  return source;
}
