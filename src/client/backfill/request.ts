// A backfill request checked before anything starts: dates, concurrency, retention, and overlap
// with live collection. Pure, so it is unit-tested.
import { RETENTION_MS } from '../../model/duration';
import { DEFAULT_BACKFILL_CONCURRENCY, MAX_BACKFILL_CONCURRENCY } from '../../model/backfill';
import { BackfillRequestError } from './errors';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

export const iso = (ms: number) => new Date(ms).toISOString();

/** Epoch ms of an ISO date (UTC midnight) or date-time with an explicit zone. */
export function parseInstant(text: string | undefined, flag: string): number {
  if (text === undefined) throw new BackfillRequestError(`--${flag} is required: an ISO date such as 2026-05-01 or 2026-05-01T12:00:00Z`);
  const ms = Date.parse(text);
  if ((!DATE.test(text) && !DATE_TIME.test(text)) || Number.isNaN(ms)) {
    throw new BackfillRequestError(
      `--${flag} '${text}' is not an ISO date such as 2026-05-01 or a date-time with a zone such as 2026-05-01T12:00:00Z`,
    );
  }
  return ms;
}

export function parseConcurrency(text: string | undefined): number {
  if (text === undefined) return DEFAULT_BACKFILL_CONCURRENCY;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_BACKFILL_CONCURRENCY) {
    throw new BackfillRequestError(`--concurrency '${text}' must be a whole number from 1 to ${MAX_BACKFILL_CONCURRENCY}`);
  }
  return n;
}

/** Refuses a range the API cannot serve or that live collection owns. */
export function checkRange(params: {
  ruleId: string;
  fromMs: number;
  toMs: number;
  nowMs: number;
  liveStartMs: number;
  allowOverlap: boolean;
}): void {
  const { ruleId, fromMs, toMs, nowMs, liveStartMs } = params;
  if (fromMs >= toMs) throw new BackfillRequestError(`--from ${iso(fromMs)} is not before --to ${iso(toMs)}; the range is [from, to)`);
  if (toMs > nowMs)
    throw new BackfillRequestError(`--to ${iso(toMs)} is in the future; a backfill covers the past (live collection covers what comes)`);
  const oldest = nowMs - RETENTION_MS;
  if (fromMs < oldest) {
    throw new BackfillRequestError(
      `--from ${iso(fromMs)} is older than the 180 days Atlassian keeps audit events; the oldest possible --from now is ${iso(Math.ceil(oldest / 60_000) * 60_000)}`,
    );
  }
  if (toMs > liveStartMs && !params.allowOverlap) {
    throw new BackfillRequestError(
      `the range overlaps live collection: rule ${ruleId} collects every event processed from ${iso(liveStartMs)} (its start point) on, ` +
        `so ${iso(Math.max(fromMs, liveStartMs))} to ${iso(toMs)} is already covered. ` +
        `Use --to ${iso(liveStartMs)} to fill only the gap before it, or pass --allow-overlap (events processed from ${iso(liveStartMs)} on are still left to live collection).`,
    );
  }
}
