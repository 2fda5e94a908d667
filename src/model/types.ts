// Types and constants shared by workflows, activities and the client.
// Pure: no imports, no I/O. Nothing here may hold a secret.

export const STATE_PREFIX = '_audit-collect/state/';
/** Where `check` and the worker write the objects that probe a bucket. */
export const PROBE_PREFIX = '_audit-collect/probe/';

/**
 * What a connection reads: an organization's events stream (`org`, the default), or one site's
 * audit log, Jira's (`jira-site`) or Confluence's (`confluence-site`).
 */
export const SOURCE_KINDS = ['org', 'jira-site', 'confluence-site'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export type SiteSourceKind = Exclude<SourceKind, 'org'>;

export interface ConnectionSpec {
  name: string;
  /** Absent: the org's events stream (every connection from before site sources). */
  source?: SiteSourceKind;
  /**
   * The organization's UUID; for a site source, the site's key (its host, such as
   * `acme.atlassian.net`): what pacing, metrics and the checkpoint know the source by.
   */
  orgId: string;
  /** A reference to the API key (`env:NAME` or `file:/path`), never the key itself; for a site, to the API token. */
  apiKeyRef: string;
  baseUrl: string;
  /** Site sources: the Atlassian account the API token belongs to (Basic auth sends `email:token`). */
  email?: string;
  /** When the API key expires (ISO), if the operator noted it: `status` warns ahead of it. */
  apiKeyExpiresAt?: string;
}

/**
 * How object keys are partitioned under the prefix: `hourly` is `YYYY/MM/DD/HH/`, `hive` is
 * `dt=YYYY-MM-DD/hour=HH/` (what Athena, Glue and Spark discover as partitions).
 */
export type KeyLayout = 'hourly' | 'hive';

export interface DestinationSpec {
  bucket: string;
  prefix: string;
  /** Absent means `hourly`, the layout of every rule from before layouts could be chosen. */
  layout?: KeyLayout;
}

/** A collect rule as schedules carry it: no secrets, only references. */
export interface RuleSpec {
  id: string;
  displayName: string;
  connection: ConnectionSpec;
  destination: DestinationSpec;
  interval: string;
  /** How far back the first run reaches: a duration such as `7d`, or an ISO date. */
  startFrom: string;
  /** How soon a batch whose worker died is retried on another worker (a duration such as `30s`). */
  heartbeatTimeout?: string;
  /** `status` warns when the rule has written nothing for this long (a duration; default 24h). */
  warnNoDataAfter?: string;
}

/**
 * A place in an org's event stream, told by content alone: the last event written (its
 * `processedAt` and the IDs written at that millisecond), and the API's cursor when it gave one.
 * The cursor is opaque (the same place may come back as a different string, and it may expire), so
 * it is only ever sent back to the API; order, resumption and object keys rest on `atMs` and
 * `idsAtMs`. A read without a cursor asks for `from=atMs` and skips `idsAtMs`.
 */
export interface StreamPosition {
  /** processedAt (epoch ms) of the last event written; before any, the instant to start from. */
  atMs: number;
  /** IDs of the events written at `atMs`, in the order read. */
  idsAtMs: string[];
  /** The API's cursor to continue from, or null to continue from `atMs`. */
  cursor: string | null;
}

export interface Totals {
  events: number;
  objects: number;
  bytes: number;
}

/** What one run hands to the next: the cursor and what has been written so far. */
export interface CollectState {
  position: StreamPosition;
  /** The live rule owns every event processed at or after this instant (epoch ms). */
  startPointMs: number;
  lastProcessedAt: string | null;
  totals: Totals;
}

export interface RunSummary {
  events: number;
  objects: number;
  bytes: number;
  batches: number;
  caughtUp: boolean;
  /** The first keys written by this run (capped, to keep histories small). */
  objectKeys: string[];
  /** Another writer of the rule moved its checkpoint on, and this run stopped there. */
  superseded?: boolean;
}

/** What `status` reads to judge a rule's health; carried from run to run, a few dozen numbers. */
export interface RunHealth {
  /** Events written per hour over the last 24 hours: [hour start (epoch ms), events]. */
  hourlyEvents: Array<[number, number]>;
  /** When a run last wrote an object (ISO), or null if none has yet. */
  lastWrittenAt: string | null;
}

export interface CollectResult extends CollectState {
  ruleId: string;
  run: RunSummary;
  /** Absent in results of runs from before health was recorded. */
  health?: RunHealth;
  /**
   * The last notice sent about the rule (`paused` or `failing` until a `recovered` follows), so
   * that a flapping rule is not announced again and again. Absent when none was sent.
   */
  notice?: NoticeSent;
  /** The worker posts notices: the next run watches its batches from the start. */
  notifies?: boolean;
}

/** What a notice says of a rule: it needs a human (paused), has been failing two intervals, or recovered. */
export const NOTICE_KINDS = ['paused', 'failing', 'recovered'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** A notice the notifier delivered: its kind and when (ISO). */
export interface NoticeSent {
  kind: NoticeKind;
  at: string;
}

export interface CollectInput {
  rule: RuleSpec;
  /** Only for a manual restart from a known state; schedules pass nothing and use the last result. */
  state?: CollectState;
}

export interface BatchInput {
  rule: RuleSpec;
  state: CollectState;
}

/**
 * What one collect batch (one activity) did: the rule's state after it, and what it wrote (one or
 * more objects, read back to back). Also the batch's heartbeat details, so a retried batch resumes
 * after its last object instead of reading it again.
 */
export interface BatchResult {
  /** Where the next batch starts, with the totals so far. */
  state: CollectState;
  events: number;
  rawBytes: number;
  bytes: number;
  objects: number;
  /** The first keys written (capped at MAX_KEYS_IN_RESULT). */
  keys: string[];
  caughtUp: boolean;
  /** The worker posts notices (it has a webhook): the workflow then watches for a failing batch. */
  notifies?: boolean;
  /**
   * Another writer of the rule (a second run, or a stale attempt of this batch) moved the
   * checkpoint on: this batch stopped writing, and `state` is the checkpoint it found.
   */
  superseded?: boolean;
}

export interface Checkpoint extends CollectState {
  ruleId: string;
  orgId: string;
  /** The source the position is in, for site sources (absent: the org's events stream). */
  source?: SiteSourceKind;
  /** The destination whose objects the position describes (absent in checkpoints from before 0.2.0). */
  bucket?: string;
  prefix?: string;
  updatedAt: string;
}

export const MAX_KEYS_IN_RESULT = 20;
export const DEFAULT_HEARTBEAT_TIMEOUT = '30s';
