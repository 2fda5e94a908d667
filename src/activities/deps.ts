// What the activities are built over: injected clients and the worker's settings.
import type { SecretResolver } from '../secrets/api-keys';
import type { Compressor } from '../pipeline/zstd';
import type { AuditSources } from '../pipeline/source';
import type { ObjectStore } from '../storage/s3';
import type { ConditionalWrites } from '../storage/conditional-writes';
import type { CollectorMetrics } from './metrics';
import type { NotifierSettings } from './notify';

export interface ActivityDeps {
  /** What rules read from, by their connection's `source` (the org's events stream, a Jira or Confluence site). */
  sources: AuditSources;
  store: ObjectStore;
  compressor: Compressor;
  secrets: SecretResolver;
  /** Events per request (the events stream allows 1 to 500; site endpoints up to 1000). */
  pageLimit: number;
  /** Pages per uploaded object: bounds the size of an object and the memory it takes to build. */
  pagesPerObject: number;
  /** A collect batch starts no new object after this long (it always writes at least one). */
  batchMs: number;
  /**
   * Live reads stop before events processed less than this long ago: Atlassian orders by
   * processing time but may show an event a moment after it was processed (docs/reliability.md).
   */
  settleMs: number;
  /** Whether a bucket's writes are fenced (write-once objects, compare-and-swap checkpoint). */
  conditionalWrites: ConditionalWrites;
  now?: () => number;
  metrics?: CollectorMetrics;
  /** Where notices about rules go; absent, the notify activity does nothing. */
  notifier?: NotifierSettings;
}
