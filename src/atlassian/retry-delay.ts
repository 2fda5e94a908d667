// When to retry a request the API turned away, from its Retry-After and X-RateLimit-Reset headers.

/**
 * The longest any wait derived from the API's headers may be (a 429's retry, the pacer's turn), so
 * that a bogus reset header cannot park a run or an org's requests for hours.
 */
export const MAX_RETRY_DELAY_MS = 5 * 60_000;
const JITTER_MS = 2_000;

export type Headers = Record<string, string | string[] | undefined>;

/** A header's (first) value, trimmed. */
export function headerValue(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return (Array.isArray(value) ? value[0] : value)?.trim();
}

/**
 * How long to wait before retrying a 429 (or a 5xx that says so): `Retry-After` seconds first,
 * then `X-RateLimit-Reset` (ISO in minute or second precision, or epoch seconds), else a default.
 * A minute-precision reset ("10:01Z") may mean any instant of that minute: wait for the minute's
 * start while it is ahead, and for its end once it has begun (a retry that comes too early gets a
 * fresh 429 with a fresh reset, never a tight loop: waits are at least a second).
 */
export function retryDelayMs(params: {
  headers: Headers;
  nowMs: number;
  random?: () => number;
  rateLimited?: boolean;
}): number | undefined {
  const { headers, nowMs } = params;
  const jitter = Math.floor((params.random ?? Math.random)() * JITTER_MS);
  const retryAfter = headerValue(headers, 'retry-after');
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) {
    return clamp(Number(retryAfter) * 1000 + jitter);
  }
  // The API sends X-RateLimit-Reset on every response; it says when to retry only after a 429.
  const reset = params.rateLimited === false ? undefined : headerValue(headers, 'x-ratelimit-reset');
  if (reset !== undefined) {
    const resetMs = parseReset(reset);
    if (resetMs !== undefined) {
      const minuteStart = isMinutePrecision(reset) ? resetMs - 60_000 : undefined;
      const at = minuteStart !== undefined && minuteStart > nowMs ? minuteStart : resetMs;
      return clamp(at - nowMs + jitter);
    }
  }
  return undefined;
}

const MINUTE_PRECISION = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(Z|[+-]\d{2}:?\d{2})$/;

/** Whether a reset names only a minute ("10:01Z"), which may mean any instant of it. */
export const isMinutePrecision = (value: string) => MINUTE_PRECISION.test(value);

/** The reset instant; for minute precision, the end of that minute (the latest it can be). */
export function parseReset(value: string): number | undefined {
  if (/^\d{9,10}$/.test(value)) return Number(value) * 1000;
  if (/^\d{12,13}$/.test(value)) return Number(value);
  const minute = MINUTE_PRECISION.exec(value);
  if (minute) {
    const start = Date.parse(`${minute[1]}:00${minute[2]}`);
    return Number.isNaN(start) ? undefined : start + 60_000;
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

function clamp(ms: number): number {
  return Math.min(Math.max(ms, 1_000), MAX_RETRY_DELAY_MS);
}

/**
 * A wait as a timer may be given it: from 0 to MAX_RETRY_DELAY_MS. Node runs a timer of more than
 * 2^31-1 ms, or of NaN, after 1 ms, which would turn a long wait into a busy loop; a wait that could
 * not be computed (NaN) is taken as the longest, never as none.
 */
export function boundedWaitMs(ms: number): number {
  if (Number.isNaN(ms)) return MAX_RETRY_DELAY_MS;
  return Math.min(Math.max(ms, 0), MAX_RETRY_DELAY_MS);
}
