// Durations as rules files write them: a whole number and a unit, e.g. `90s`, `5m`, `2h`, `7d`.

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(s|m|h|d)$/;

export const RETENTION_MS = 180 * UNIT_MS.d;

/** Milliseconds for a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * The epoch ms a `startFrom` value points at, relative to `nowMs`: a duration back from now, or an
 * ISO date. Undefined when it is neither.
 */
export function resolveStartFrom(startFrom: string, nowMs: number): number | undefined {
  const back = parseDuration(startFrom);
  if (back !== undefined) return nowMs - back;
  if (!/^\d{4}-\d{2}-\d{2}/.test(startFrom)) return undefined;
  const at = Date.parse(startFrom);
  return Number.isNaN(at) ? undefined : at;
}
