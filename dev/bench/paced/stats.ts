// Figures for `npm run bench -- --paced` from the simulator's own counts (GET /_sim/stats) and from
// the live rule's runs in Temporal. Requests per minute are counted as test/e2e/budget.test.ts
// counts them: events-stream requests served (not answered 429) in each whole UTC minute inside a
// window, the simulator's rate-limit windows. The site phase counts the site simulator's Jira
// audit requests the same way.
import type { Client } from '@temporalio/client';
import type { SimulatorStats } from '../../simulator/server';
import type { SiteStats } from '../../simulator/site-server';
import type { Product } from '../../simulator/site-generate';
import { workflowIdPrefix } from '../../../src/model/ids';

export interface Window {
  fromMs: number;
  toMs: number;
}

export interface RequestFigures {
  /** events-stream requests and 429s from the window's start to its end. */
  requests: number;
  rateLimited: number;
  wholeMinutes: number;
  /** Served requests per whole minute: what is compared with the limit. */
  perMinute: number;
  /** Served, 429s, per minute of the window, for the log. */
  minutes: Array<{ minute: string; served: number; rateLimited: number }>;
}

const minuteStart = (minute: string) => Date.parse(minute.replace('Z', ':00Z'));

export async function simStats(simUrl: string): Promise<SimulatorStats> {
  const response = await fetch(`${simUrl}/_sim/stats`);
  if (!response.ok) throw new Error(`GET /_sim/stats answered ${response.status}`);
  return (await response.json()) as SimulatorStats;
}

/** events-stream requests and 429s so far: taken at a window's start and end, their difference is the window's. */
export function streamTotals(stats: SimulatorStats): Totals {
  return { requests: stats.requests['events-stream'] ?? 0, rateLimited: stats.rateLimited['events-stream'] ?? 0 };
}

export interface Totals {
  requests: number;
  rateLimited: number;
}

/** What a phase's requests are counted from: the totals at its start, the figures at its end. */
export interface RequestCounter {
  totals(): Promise<Totals>;
  figures(before: Totals, window: Window): Promise<RequestFigures>;
}

/**
 * Requests and 429s between two totals, and the requests served in each whole UTC minute of the
 * window (`minutes`: a simulator's per-minute counts of one path or product).
 */
export function figuresOf(params: {
  after: Totals;
  before: Totals;
  minutes: Record<string, Totals | undefined>;
  window: Window;
}): RequestFigures {
  const { window } = params;
  const minutes = Object.entries(params.minutes)
    .map(([minute, counts]) => ({ minute, startMs: minuteStart(minute), ...(counts ?? { requests: 0, rateLimited: 0 }) }))
    .filter((m) => m.startMs + 60_000 > window.fromMs && m.startMs < window.toMs)
    .sort((a, b) => a.startMs - b.startMs);
  const whole = minutes.filter((m) => m.startMs >= window.fromMs && m.startMs + 60_000 <= window.toMs);
  const served = whole.reduce((sum, m) => sum + m.requests - m.rateLimited, 0);
  return {
    requests: params.after.requests - params.before.requests,
    rateLimited: params.after.rateLimited - params.before.rateLimited,
    wholeMinutes: whole.length,
    perMinute: whole.length === 0 ? Number.NaN : served / whole.length,
    minutes: minutes.map((m) => ({ minute: m.minute, served: m.requests - m.rateLimited, rateLimited: m.rateLimited })),
  };
}

export function requestFigures(params: { stats: SimulatorStats; before: Totals; window: Window }): RequestFigures {
  const { stats } = params;
  const minutes = Object.fromEntries(Object.entries(stats.minutes).map(([minute, paths]) => [minute, paths['events-stream']]));
  return figuresOf({ ...params, after: streamTotals(stats), minutes });
}

/** The org simulator's events-stream requests. */
export function orgCounter(simUrl: string): RequestCounter {
  return {
    totals: async () => streamTotals(await simStats(simUrl)),
    figures: async (before, window) => requestFigures({ stats: await simStats(simUrl), before, window }),
  };
}

export async function siteStats(siteUrl: string): Promise<SiteStats> {
  const response = await fetch(`${siteUrl}/_sim/stats`);
  if (!response.ok) throw new Error(`GET /_sim/stats answered ${response.status}`);
  return (await response.json()) as SiteStats;
}

/** One product's audit requests and 429s so far on the site simulator. */
export function siteTotals(stats: SiteStats, product: Product): Totals {
  return { requests: stats.requests[product] ?? 0, rateLimited: stats.rateLimited[product] ?? 0 };
}

export function siteRequestFigures(params: { stats: SiteStats; product: Product; before: Totals; window: Window }): RequestFigures {
  const { stats, product } = params;
  const minutes = Object.fromEntries(Object.entries(stats.minutes).map(([minute, products]) => [minute, products[product]]));
  return figuresOf({ ...params, after: siteTotals(stats, product), minutes });
}

/** The site simulator's audit requests of one product. */
export function siteCounter(siteUrl: string, product: Product): RequestCounter {
  return {
    totals: async () => siteTotals(await siteStats(siteUrl), product),
    figures: async (before, window) => siteRequestFigures({ stats: await siteStats(siteUrl), product, before, window }),
  };
}

export interface LiveRun {
  workflowId: string;
  scheduledMs: number;
  startMs: number;
  closeMs: number | undefined;
  /** Close time − scheduled time. */
  latenessMs: number | undefined;
}

/** A scheduled run's ID ends with its scheduled time (`…-2026-12-01T10:01:00Z`). */
export function scheduledFromId(workflowId: string): number | undefined {
  const match = /-(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)$/.exec(workflowId);
  return match ? Date.parse(match[1]!) : undefined;
}

function scheduledOf(searchAttributes: Record<string, unknown>, workflowId: string): number | undefined {
  const value = (searchAttributes.TemporalScheduledStartTime as unknown[] | undefined)?.[0];
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  return scheduledFromId(workflowId);
}

/** The rule's collect runs, by scheduled time (triggered runs count their trigger time). */
export async function liveRuns(params: { client: Client; ruleId: string }): Promise<LiveRun[]> {
  const runs: LiveRun[] = [];
  const query = `WorkflowType = 'collectWorkflow' AND WorkflowId STARTS_WITH '${workflowIdPrefix(params.ruleId)}-'`;
  for await (const info of params.client.workflow.list({ query })) {
    const scheduledMs = scheduledOf(info.searchAttributes as Record<string, unknown>, info.workflowId) ?? info.startTime.getTime();
    const closeMs = info.closeTime?.getTime();
    runs.push({
      workflowId: info.workflowId,
      scheduledMs,
      startMs: info.startTime.getTime(),
      closeMs,
      latenessMs: closeMs === undefined ? undefined : closeMs - scheduledMs,
    });
  }
  return runs.sort((a, b) => a.scheduledMs - b.scheduledMs);
}

/** How many times a schedule firing at `phaseMs` + k × `intervalMs` fires in [fromMs, toMs). */
export function firesIn(params: Window & { intervalMs: number; phaseMs: number }): number {
  const k = (ms: number) => Math.floor((ms - 1 - params.phaseMs) / params.intervalMs);
  return k(params.toMs) - k(params.fromMs);
}

/**
 * Waits for the next UTC minute, the simulator's next rate-limit window: a phase that starts there
 * has the whole of each window it spans, so its rate compares fairly with the limit (a phase started
 * mid-minute could spend a whole window's budget in part of one, or find it spent by the phase before).
 */
export function untilNextMinute(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 60_000 - (Date.now() % 60_000) + 200));
}
