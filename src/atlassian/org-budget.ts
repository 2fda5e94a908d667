// What the API says about an org's request budget, turned into when this process may send its next
// request. Atlassian sends X-RateLimit-Limit, -Remaining and -Reset on every response; several
// workers spend one org's budget without talking to each other. Each estimates its share of the
// org's recent requests (its own responses against how far Remaining fell between them, over the
// last half minute or so) and spreads that share of what remains evenly over the time until reset.
// When every worker does so, together they spend Remaining by the reset and no faster; a worker
// whose share of Remaining is under one request waits for the reset, so the last few are not raced
// for. Workers that stop or start shift the shares within seconds; one back from idle (between
// runs) is not charged for what others sent meanwhile.
import { MAX_RETRY_DELAY_MS, boundedWaitMs, headerValue, isMinutePrecision, parseReset, retryDelayMs, type Headers } from './retry-delay';

/** A window the API has not described yet (the one after a reset) is taken to last a minute. */
const WINDOW_MS = 60_000;
/** The share estimate forgets with this time constant. */
const SHARE_MEMORY_MS = 30_000;
/** Half a request of "alone" in the estimate: with little recent to go on, it leans to all of it. */
const SHARE_PRIOR_WEIGHT = 0.5;
/** After a reset, wait this much more (plus jitter): a clock a little ahead must not come back early. */
const RESET_MARGIN_MS = 250;
const RESET_JITTER_MS = 500;
/** Spacing varies by ±10 % so that workers do not fall into step. */
const SPACING_JITTER = 0.1;
/** A later reset this much past the known one starts a new window (a 2 s reset may follow a 1 s one). */
const NEW_WINDOW_MS = 1_000;
/** Longer than a response takes to arrive: see `resetInstant`. */
const JUST_BEGUN_MS = 5_000;

export interface BudgetReading {
  /** A 429: nothing is left until `resetAt`, whatever was read before. */
  rateLimited: boolean;
  remaining: number;
  /** X-RateLimit-Limit, when sent. */
  limit: number | undefined;
  resetAt: number;
}

export interface OrgBudget {
  /** The org's requests left until `resetAt`, as last read (or assumed, once a window has passed). */
  remaining: number;
  limit: number;
  resetAt: number;
  /** Requests this process let out since `remaining` was read. */
  sentSince: number;
  lastSentAt: number | undefined;
  /** The org's requests counted in this window (limit − remaining) at the last reading. */
  used: number;
  /** This process's responses and the org's requests since its previous one, both fading with time. */
  mine: number;
  all: number;
  fadedAt: number;
  /** The next reading starts a new count: what others sent meanwhile was not at this process's expense. */
  rebase: boolean;
  /** Drawn at each reading and request, so that a turn stays put until one of them. */
  jitter: number;
}

function count(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * When the window a reset header describes ends. A minute-precision reset ("10:01Z") names the
 * minute it falls in: its start while that is ahead (a fixed window's end), and also in the first
 * seconds after it, when the response was sent in the window that just ended, not one ending a
 * minute later; after that, the end of that minute, as retryDelayMs reads it for a 429's retry.
 */
export function resetInstant(value: string, nowMs: number): number | undefined {
  const endMs = parseReset(value);
  if (endMs === undefined || !isMinutePrecision(value)) return endMs;
  const startMs = endMs - 60_000;
  return startMs > nowMs - JUST_BEGUN_MS ? startMs : endMs;
}

/**
 * The budget a response describes, or undefined when it describes none: no Remaining or Reset, or
 * a Limit of 0 (no limit in force, as the simulator says with limiting off). A 429 always means
 * nothing is left, until its Retry-After or reset (a 429 without either: until `fallbackMs`). A
 * reset further ahead than MAX_RETRY_DELAY_MS (a bogus header) is read as that far ahead.
 */
export function readBudget(params: { status: number; headers: Headers; nowMs: number; fallbackMs: number }): BudgetReading | undefined {
  const { status, headers, nowMs } = params;
  const limit = count(headerValue(headers, 'x-ratelimit-limit'));
  const reset = headerValue(headers, 'x-ratelimit-reset');
  const instant = reset === undefined ? undefined : resetInstant(reset, nowMs);
  const resetAt = instant === undefined ? undefined : Math.min(instant, nowMs + MAX_RETRY_DELAY_MS);
  if (status === 429) {
    // Retry-After, when sent, is the API's own word on when to come back.
    const retryAfter = headerValue(headers, 'retry-after');
    const retryMs = retryAfter === undefined ? undefined : retryDelayMs({ headers: { 'retry-after': retryAfter }, nowMs, random: () => 0 });
    return {
      rateLimited: true,
      remaining: 0,
      limit,
      resetAt: retryMs !== undefined ? nowMs + retryMs : (resetAt ?? nowMs + params.fallbackMs),
    };
  }
  const remaining = count(headerValue(headers, 'x-ratelimit-remaining'));
  if (remaining === undefined || resetAt === undefined || limit === 0) return undefined;
  return { rateLimited: false, remaining, limit, resetAt };
}

/** This process's estimated share of the org's recent requests (all of them until it knows better). */
export function shareOf(budget: OrgBudget): number {
  const share = (budget.mine + SHARE_PRIOR_WEIGHT) / (Math.max(budget.all, budget.mine) + SHARE_PRIOR_WEIGHT);
  return Math.min(1, Math.max(share, 1 / Math.max(budget.limit, 1)));
}

/** Once the reset has passed unseen, the next window is assumed whole and as long as a minute. */
function roll(budget: OrgBudget, nowMs: number): void {
  if (nowMs < budget.resetAt) return;
  budget.used = 0;
  budget.remaining = budget.limit;
  budget.sentSince = 0;
  budget.resetAt += Math.ceil((nowMs - budget.resetAt + 1) / WINDOW_MS) * WINDOW_MS;
}

/** The budget after a response's reading. */
export function observe(params: {
  budget: OrgBudget | undefined;
  reading: BudgetReading;
  nowMs: number;
  defaultLimit: number;
  random: () => number;
}): OrgBudget {
  const { reading, nowMs } = params;
  const limit = reading.limit ?? Math.max(params.defaultLimit, reading.remaining + 1);
  const budget = params.budget ?? {
    remaining: limit,
    limit,
    resetAt: reading.resetAt,
    sentSince: 0,
    lastSentAt: undefined,
    used: 0,
    mine: 0,
    all: 0,
    fadedAt: nowMs,
    rebase: true,
    jitter: 0.5,
  };
  roll(budget, nowMs);
  budget.limit = limit;
  budget.jitter = params.random();
  const newer = reading.resetAt > budget.resetAt + NEW_WINDOW_MS;
  // A response from a window that has passed says nothing about this one (a 429 always does).
  if (!reading.rateLimited && reading.resetAt < budget.resetAt - NEW_WINDOW_MS) return budget;
  if (newer) budget.used = 0;
  const used = limit - reading.remaining;
  const fade = Math.exp(-(nowMs - budget.fadedAt) / SHARE_MEMORY_MS);
  budget.mine *= fade;
  budget.all *= fade;
  budget.fadedAt = nowMs;
  // The first reading, and the first after idling, counts since the window's start or the idle
  // spell's: not this process's share. Only the readings after it measure one. A 429 holds every
  // request until its reset but counts nothing: its Remaining of 0 is no count of what others sent
  // (a site's audit API sends no budget on its 200s, so nothing would correct a share taken from it).
  if (reading.rateLimited) return holdUntilReset(budget, reading);
  if (!budget.rebase) {
    budget.mine += 1;
    budget.all += Math.max(used - budget.used, 0);
  }
  budget.rebase = false;
  budget.used = Math.max(budget.used, used);
  // Responses to concurrent requests may arrive out of order: the lowest Remaining is the latest.
  if (newer || reading.rateLimited || reading.remaining <= budget.remaining) {
    budget.remaining = reading.remaining;
    budget.resetAt = reading.resetAt;
    budget.sentSince = 0;
  }
  return budget;
}

function holdUntilReset(budget: OrgBudget, reading: BudgetReading): OrgBudget {
  budget.remaining = 0;
  budget.resetAt = reading.resetAt;
  budget.sentSince = 0;
  return budget;
}

/** How long the next request must wait for its turn in the org's budget (0: it may go now; at most MAX_RETRY_DELAY_MS). */
export function waitMs(params: { budget: OrgBudget | undefined; nowMs: number }): number {
  const { budget, nowMs } = params;
  if (!budget) return 0;
  roll(budget, nowMs);
  const allowance = shareOf(budget) * budget.remaining - budget.sentSince;
  if (allowance < 1) return boundedWaitMs(budget.resetAt - nowMs + RESET_MARGIN_MS + Math.floor(budget.jitter * RESET_JITTER_MS));
  if (budget.lastSentAt === undefined) return 0;
  const spacing = ((budget.resetAt - budget.lastSentAt) / allowance) * (1 + SPACING_JITTER * (2 * budget.jitter - 1));
  return boundedWaitMs(Math.ceil(budget.lastSentAt + spacing - nowMs));
}

export function noteSent(params: { budget: OrgBudget | undefined; nowMs: number; random: () => number }): void {
  const { budget } = params;
  if (!budget) return;
  budget.sentSince += 1;
  budget.lastSentAt = params.nowMs;
  budget.jitter = params.random();
}

/** This process had nothing to send for a while: what others sent meanwhile says nothing of its share. */
export function noteIdle(budget: OrgBudget | undefined): void {
  if (budget) budget.rebase = true;
}
