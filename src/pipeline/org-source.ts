// The org's events stream as a source: pages after a cursor or a processedAt (read-pages.ts).
import { eventIdOf, processedAtOf, type AuditEvent, type EventSource } from '../atlassian/client';
import { readPages } from './read-pages';
import type { AuditSource } from './source';

export function orgSource(events: EventSource): AuditSource {
  return {
    read: (params) => readPages({ ...params, source: events }),
    identify: ({ lines }) =>
      lines.map((line) => {
        const event = JSON.parse(line) as AuditEvent;
        const processedAtMs = processedAtOf(event);
        return {
          id: eventIdOf(event, line),
          processedAtMs,
          processedAt: processedAtMs === undefined ? null : (event.attributes?.processedAt as string),
        };
      }),
  };
}
