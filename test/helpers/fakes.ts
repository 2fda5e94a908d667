// In-memory stand-ins for the Atlassian client and the object store, for unit tests of the
// collection loop and the batch activity (e2e tests use the simulator and the S3 server).
import type { AuditEvent, EventPage, EventSource } from '../../src/atlassian/client';
import type { ObjectStore, PutOutcome, PutParams } from '../../src/storage/s3';
import type { ConditionalWrites } from '../../src/storage/conditional-writes';
import type { RuleSpec } from '../../src/model/types';

const BASE_MS = Date.UTC(2026, 0, 1);

/** Event n, processed n seconds into 2026. */
export function fakeEvent(n: number): AuditEvent {
  return { id: `e${n}`, attributes: { processedAt: new Date(BASE_MS + n * 1000).toISOString() } };
}

/**
 * A stream of `count` events served the request's `limit` at a time. A cursor names the index of the next
 * event (with `nonce`, plus a fresh suffix each time, as the API's opaque cursors may); a read
 * without one starts at the first event processed at or after `atMs`. With `nullTail` the last
 * page carries no cursor. `onFetch` sees each request's start first and may delay it or throw.
 */
export function fakeSource(params: {
  count: number;
  nonce?: boolean;
  nullTail?: boolean;
  onFetch?: (from: number) => void | Promise<void>;
}): EventSource & { fetched: number[] } {
  const fetched: number[] = [];
  let issued = 0;
  return {
    fetched,
    async fetchPage({ position, limit }): Promise<EventPage> {
      const from =
        position.cursor !== null ? Number(position.cursor.split(':')[0]) : Math.max(0, Math.ceil((position.atMs - BASE_MS) / 1000));
      fetched.push(from);
      await params.onFetch?.(from);
      const events = Array.from({ length: Math.max(0, Math.min(limit, params.count - from)) }, (_, i) => fakeEvent(from + i));
      const end = from + events.length;
      const nextCursor = params.nullTail && events.length < limit ? null : params.nonce ? `${end}:${++issued}` : String(end);
      return {
        events,
        lines: events.map((e) => JSON.stringify(e)),
        processedAtMs: events.map((e) => Date.parse(String(e.attributes?.processedAt))),
        nextCursor,
      };
    },
  };
}

/**
 * An in-memory bucket with S3's conditional writes: records every PutObject attempt in `puts` (a
 * refused one too, with `refused: true`); `onPut` sees each first and may delay it or throw.
 * `stored` seeds objects by key (e.g. a checkpoint); `get` reads what is stored, with its ETag.
 */
export function fakeStore(
  hooks: { onPut?: (params: PutParams) => void | Promise<void>; stored?: Record<string, string | Buffer> } = {},
): ObjectStore & { puts: Array<PutParams & { refused?: boolean }>; objects: Map<string, { body: Buffer; etag: string }> } {
  const puts: Array<PutParams & { refused?: boolean }> = [];
  let versions = 0;
  const objects = new Map<string, { body: Buffer; etag: string }>();
  for (const [key, body] of Object.entries(hooks.stored ?? {})) objects.set(key, { body: Buffer.from(body), etag: `"v${++versions}"` });
  return {
    puts,
    objects,
    async put(params): Promise<PutOutcome> {
      await hooks.onPut?.(params);
      const current = objects.get(params.key);
      const { condition } = params;
      const refused = condition && ('create' in condition ? current !== undefined : current?.etag !== condition.replace);
      if (refused) {
        puts.push({ ...params, refused: true });
        return { written: false };
      }
      puts.push(params);
      const etag = `"v${++versions}"`;
      objects.set(params.key, { body: params.body, etag });
      return { written: true, etag };
    },
    async get({ key }) {
      const object = objects.get(key);
      return object && { body: object.body, etag: object.etag };
    },
  };
}

/** Conditional writes honoured everywhere (or, with `fenced: false`, accepted as absent). */
export const fencedWrites = (fenced = true): ConditionalWrites => ({ fenced: async () => fenced });

/** A rule for activity tests: nothing here is ever reached over the network. */
export const fakeRule: RuleSpec = {
  id: 'r1',
  displayName: 'R1',
  connection: { name: 'c', orgId: 'org', apiKeyRef: 'env:K', baseUrl: 'http://127.0.0.1:1' },
  destination: { bucket: 'b', prefix: 'p/' },
  interval: '5m',
  startFrom: '7d',
};
