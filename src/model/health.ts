import type { RunHealth } from './types';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The health record a run hands to the next: this run's events added to its hour, hours older
 * than a day dropped. Pure, so the workflow stays deterministic.
 */
export function carryHealth(params: { previous: RunHealth | undefined; nowMs: number; events: number }): RunHealth {
  const { previous, nowMs, events } = params;
  const hour = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const hours = new Map((previous?.hourlyEvents ?? []).filter(([start]) => start > nowMs - DAY_MS));
  if (events > 0) hours.set(hour, (hours.get(hour) ?? 0) + events);
  return {
    hourlyEvents: [...hours.entries()].sort(([a], [b]) => a - b),
    lastWrittenAt: events > 0 ? new Date(nowMs).toISOString() : (previous?.lastWrittenAt ?? null),
  };
}

/** Events written in the 24 hours before `nowMs`, at hour granularity. */
export function eventsLastDay(health: RunHealth | undefined, nowMs: number): number {
  return (health?.hourlyEvents ?? []).filter(([start]) => start > nowMs - DAY_MS).reduce((sum, [, n]) => sum + n, 0);
}
