// What the activities are built over: injected clients and the worker's settings.
import type { EventSource } from '../atlassian/client';
import type { SecretResolver } from '../secrets/api-keys';
import type { Compressor } from '../pipeline/zstd';
import type { ObjectStore } from '../storage/s3';
import type { ConditionalWrites } from '../storage/conditional-writes';
import type { CollectorMetrics } from './metrics';
import type { NotifierSettings } from './notify';

export interface ActivityDeps {
  source: EventSource;
  store: ObjectStore;
  compressor: Compressor;
  secrets: SecretResolver;
  /** Events per request (the API allows 1 to 500). */
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
