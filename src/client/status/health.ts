// A rule's health at a glance, judged from what `status` reads off the schedule and its runs.
// Pure: the caller passes the clock, so the rules below are unit-tested.
import { parseDuration } from '../../model/duration';
import { eventsLastDay } from '../../model/health';
import type { RunHealth } from '../../model/types';
import { FAILING_AFTER_INTERVALS } from '../../model/limits';

const DAY_MS = 86_400_000;
export const KEY_EXPIRY_WARN_DAYS = 14;
export const DEFAULT_WARN_NO_DATA_AFTER = '24h';
/** A batch retried this often is worth a look even though it will keep trying. */
const RETRIES_WORTH_A_WARNING = 3;

export type HealthState = 'ok' | 'warning' | 'paused' | 'failing';

export interface LastError {
  type: string;
  message: string;
  /**
   * When the failed run closed; for a batch being retried, when that batch was first scheduled
   * (its first attempt), or when the run started if that is not known.
   */
  at: string;
  /** Set while a batch is being retried: the attempt number. */
  attempt?: number;
}

export interface RuleHealth {
  state: HealthState;
  lastSuccessAt: string | null;
  /** Now minus the cursor's last processedAt, in seconds. */
  lagSeconds: number | null;
  eventsLast24h: number;
  lastWrittenAt: string | null;
  lastError: LastError | null;
  /** How long the running run's batch has been retrying, in seconds; null when none is. */
  retryingForSeconds: number | null;
  pauseReason: string | null;
  apiKeyExpiresAt: string | null;
  apiKeyExpiresInDays: number | null;
  warnNoDataAfter: string;
  /** One line each, saying what is wrong and what to do. */
  warnings: string[];
}

export interface HealthInput {
  nowMs: number;
  paused: boolean;
  pauseNote: string | null;
  /** When the schedule was created: the start of the no-data window for a rule that never wrote. */
  createdAt: string;
  lastProcessedAt: string | null;
  lastSuccess: { closedAt: string | null; events: number; health?: RunHealth } | null;
  /** The last run's failure, if it failed. */
  failure: LastError | null;
  /** A batch of the running run that is being retried, if any. */
  retrying: LastError | null;
  apiKeyExpiresAt?: string;
  warnNoDataAfter?: string;
  /** The rule's schedule interval (a duration such as `5m`): retrying for two of them is failing. */
  interval?: string;
}

function ago(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.round(hours / 24)}d`;
}

export function judgeHealth(input: HealthInput): RuleHealth {
  const { nowMs, lastSuccess } = input;
  const warnings: string[] = [];
  const lastError = input.failure ?? input.retrying;
  const retryingMs = input.retrying ? Math.max(0, nowMs - Date.parse(input.retrying.at)) : null;
  const intervalMs = input.interval ? parseDuration(input.interval) : undefined;
  // Transient errors never fail a run, so a cause that does not pass would otherwise only warn.
  const stuck = retryingMs !== null && intervalMs !== undefined && retryingMs > FAILING_AFTER_INTERVALS * intervalMs;

  if (input.failure) warnings.push(`last run failed (${input.failure.type}): ${input.failure.message}`);
  else if (input.retrying && stuck) {
    warnings.push(`retrying for ${ago(retryingMs ?? 0)} (${input.retrying.type}): ${input.retrying.message}`);
  } else if (input.retrying && (input.retrying.attempt ?? 0) >= RETRIES_WORTH_A_WARNING) {
    warnings.push(`a batch is on attempt ${input.retrying.attempt} (${input.retrying.type}): ${input.retrying.message}; it keeps retrying`);
  }

  let apiKeyExpiresInDays: number | null = null;
  if (input.apiKeyExpiresAt) {
    const left = Date.parse(input.apiKeyExpiresAt) - nowMs;
    apiKeyExpiresInDays = Math.floor(left / DAY_MS);
    if (left <= 0)
      warnings.push(
        `the API key expired on ${input.apiKeyExpiresAt}: create a new key, store it where the connection's apiKey points, update expiresAt`,
      );
    else if (apiKeyExpiresInDays < KEY_EXPIRY_WARN_DAYS) {
      warnings.push(
        `the API key expires in ${apiKeyExpiresInDays} days (${input.apiKeyExpiresAt}): create a new key before then and update the connection's expiresAt`,
      );
    }
  }

  const lastWrittenAt = lastSuccess?.health?.lastWrittenAt ?? (lastSuccess && lastSuccess.events > 0 ? lastSuccess.closedAt : null);
  const warnNoDataAfter = input.warnNoDataAfter ?? DEFAULT_WARN_NO_DATA_AFTER;
  const windowMs = parseDuration(warnNoDataAfter) ?? DAY_MS;
  const quietSince = Date.parse(lastWrittenAt ?? input.createdAt);
  if (nowMs - quietSince > windowMs) {
    warnings.push(
      `no data written for ${ago(nowMs - quietSince)} (warnNoDataAfter ${warnNoDataAfter}): check the last error and that the org still produces audit events`,
    );
  }

  const failed = input.failure !== null || stuck;
  const state: HealthState = failed ? 'failing' : input.paused ? 'paused' : warnings.length > 0 ? 'warning' : 'ok';
  return {
    state,
    lastSuccessAt: lastSuccess?.closedAt ?? null,
    lagSeconds: input.lastProcessedAt ? Math.max(0, Math.round((nowMs - Date.parse(input.lastProcessedAt)) / 1000)) : null,
    eventsLast24h: eventsLastDay(lastSuccess?.health, nowMs),
    lastWrittenAt,
    lastError,
    retryingForSeconds: retryingMs === null ? null : Math.round(retryingMs / 1000),
    pauseReason: input.paused ? input.pauseNote : null,
    apiKeyExpiresAt: input.apiKeyExpiresAt ?? null,
    apiKeyExpiresInDays,
    warnNoDataAfter,
    warnings,
  };
}

/** A duration in seconds as an operator reads it: 42s, 5m, 3h, 2d. */
export function humanSeconds(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 90) return `${seconds}s`;
  return ago(seconds * 1000);
}
