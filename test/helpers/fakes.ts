// In-memory stand-ins for the Atlassian client and the object store, for unit tests of the
// collection loop and the batch activity (e2e tests use the simulator and the S3 server).
import type { AuditEvent, EventPage, EventSource } from '../../activities/io/atlassian';
import type { ObjectStore, PutParams } from '../../activities/io/s3';

/** Event n, processed n seconds into 2026. */
export function fakeEvent(n: number): AuditEvent {
  return { id: `e${n}`, attributes: { processedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString() } };
}

/**
 * A stream of `count` events served `pageSize` at a time; the cursor is the index of the next
 * event. `onFetch` sees each request's start first and may delay it or throw.
 */
export function fakeSource(params: { count: number; pageSize: number; onFetch?: (from: number) => void | Promise<void> }): EventSource & { fetched: number[] } {
  const fetched: number[] = [];
  return {
    fetched,
    async fetchPage({ position }): Promise<EventPage> {
      const from = 'cursor' in position ? Number(position.cursor) : 0;
      fetched.push(from);
      await params.onFetch?.(from);
      const events = Array.from({ length: Math.max(0, Math.min(params.pageSize, params.count - from)) }, (_, i) => fakeEvent(from + i));
      return { events, lines: events.map((e) => JSON.stringify(e)), nextCursor: String(from + events.length) };
    },
  };
}

/** Records every PutObject; `onPut` sees each one first and may delay it or throw. */
export function fakeStore(hooks: { onPut?: (params: PutParams) => void | Promise<void> } = {}): ObjectStore & { puts: PutParams[] } {
  const puts: PutParams[] = [];
  return {
    puts,
    async put(params) {
      await hooks.onPut?.(params);
      puts.push(params);
    },
    async get() {
      return undefined;
    },
  };
}
