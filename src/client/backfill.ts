// audit-collect backfill: start a backfill of a past range of a rule, show its progress, cancel it.
// The request is checked here (dates, retention, overlap with live collection) before anything
// starts; the workflow ID is derived from the rule and the range, so asking twice starts one copy.
import { parseArgs } from 'node:util';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { RETENTION_MS } from '../model/duration';
import type { backfillWorkflow } from '../workflows/backfill';
import {
  DEFAULT_BACKFILL_CONCURRENCY,
  MAX_BACKFILL_CONCURRENCY,
  backfillWorkflowId,
  planSlices,
  sliceWorkflowId,
  summarize,
  type BackfillInput,
  type BackfillProgress,
  type SliceReport,
  type SliceState,
} from '../model/backfill';
import { temporalTarget } from './connection';
import { humanSeconds } from './health';
import { RULE_ID, ruleStatus, scheduledRule, scheduledTaskQueue } from './schedules';
import { styleFor, type TextStyle } from './status-text';

export const BACKFILL_HELP = `audit-collect backfill: fill a past range of a rule, in parallel, beside live collection

Usage:
  audit-collect backfill <ruleId> --from DATE --to DATE [--concurrency N] [--allow-overlap] [--json]
  audit-collect backfill status <backfillId> [--watch] [--json]
  audit-collect backfill cancel <backfillId>

  Starts a backfill workflow for the whole UTC days that hold [from, to) (the API's from/to window,
  ending before T0): one slice a day, run as child workflows N at a time (--concurrency,
  1-${MAX_BACKFILL_CONCURRENCY}, default ${DEFAULT_BACKFILL_CONCURRENCY}); each keeps its own position and resumes after
  failures. Objects go under the rule's prefix, named by their first event and cut at the same events
  by any backfill of a day, so a range run again or an overlapping range stores no event twice. The
  live position is never touched, and live requests go first in the org's request budget.

  DATE is an ISO date (2026-05-01, midnight UTC) or date-time with a zone (2026-05-01T12:00:00Z).
  Asking again for the same rule and range while it runs starts nothing and prints its ID.
  Refused: --from not before --to, --to in the future, --from older than Atlassian's 180 days,
  and a range reaching into what live collection covers (from the rule's start point T0 on)
  unless --allow-overlap; events processed at or after T0 are always left to live collection.

  status shows the slices done, events, bytes, position, rate, a progress bar and an ETA
  (--watch: until it ends); cancel asks the running slices to stop after their current batch.

Exit codes: 0 success; 1 the operation failed; 2 bad input; 4 no such rule or backfill.`;

/** Bad input: a clear message, exit 2, nothing started. */
export class BackfillRequestError extends Error {}

export class BackfillNotFoundError extends Error {
  constructor(readonly backfillId: string) {
    super(`no backfill '${backfillId}'. Backfill IDs look like backfill-<ruleId>-<from>-<to>, as 'audit-collect backfill' printed.`);
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an ISO date (UTC midnight) or date-time with an explicit zone. */
export function parseInstant(text: string | undefined, flag: string): number {
  if (text === undefined) throw new BackfillRequestError(`--${flag} is required: an ISO date such as 2026-05-01 or 2026-05-01T12:00:00Z`);
  const ms = Date.parse(text);
  if ((!DATE.test(text) && !DATE_TIME.test(text)) || Number.isNaN(ms)) {
    throw new BackfillRequestError(`--${flag} '${text}' is not an ISO date such as 2026-05-01 or a date-time with a zone such as 2026-05-01T12:00:00Z`);
  }
  return ms;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Refuses a range the API cannot serve or that live collection owns; pure, so it is unit-tested. */
export function checkRange(params: { ruleId: string; fromMs: number; toMs: number; nowMs: number; liveStartMs: number; allowOverlap: boolean }): void {
  const { ruleId, fromMs, toMs, nowMs, liveStartMs } = params;
  if (fromMs >= toMs) throw new BackfillRequestError(`--from ${iso(fromMs)} is not before --to ${iso(toMs)}; the range is [from, to)`);
  if (toMs > nowMs) throw new BackfillRequestError(`--to ${iso(toMs)} is in the future; a backfill covers the past (live collection covers what comes)`);
  const oldest = nowMs - RETENTION_MS;
  if (fromMs < oldest) {
    throw new BackfillRequestError(`--from ${iso(fromMs)} is older than the 180 days Atlassian keeps audit events; the oldest possible --from now is ${iso(Math.ceil(oldest / 60_000) * 60_000)}`);
  }
  if (toMs > liveStartMs && !params.allowOverlap) {
    throw new BackfillRequestError(
      `the range overlaps live collection: rule ${ruleId} collects every event processed from ${iso(liveStartMs)} (its start point) on, ` +
        `so ${iso(Math.max(fromMs, liveStartMs))} to ${iso(toMs)} is already covered. ` +
        `Use --to ${iso(liveStartMs)} to fill only the gap before it, or pass --allow-overlap (events processed from ${iso(liveStartMs)} on are still left to live collection).`,
    );
  }
}

function parseConcurrency(text: string | undefined): number {
  if (text === undefined) return DEFAULT_BACKFILL_CONCURRENCY;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_BACKFILL_CONCURRENCY) {
    throw new BackfillRequestError(`--concurrency '${text}' must be a whole number from 1 to ${MAX_BACKFILL_CONCURRENCY}`);
  }
  return n;
}

export interface StartOutcome {
  backfillId: string;
  started: boolean;
  slices: number;
  concurrency: number;
  from: string;
  to: string;
  liveStart: string;
  webUi: string;
}

function webUiUrl(workflowId: string): string {
  const ui = process.env.AUDIT_COLLECT_WEB_UI ?? `http://${temporalTarget().address.split(':')[0]}:8233`;
  return `${ui}/namespaces/${temporalTarget().namespace}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Starts the backfill, or finds the one already running for the same rule and range. */
export async function startBackfill(params: {
  client: Client;
  ruleId: string;
  fromMs: number;
  toMs: number;
  concurrency: number;
  allowOverlap: boolean;
  nowMs?: number;
}): Promise<StartOutcome> {
  const { client, ruleId, fromMs, toMs, concurrency } = params;
  const rule = await scheduledRule({ client, ruleId });
  const live = (await ruleStatus({ client, ruleId })).lastSuccess?.result;
  if (!live) {
    throw new BackfillRequestError(
      `rule ${ruleId} has no completed live run yet, so where live collection starts (its start point T0) is not known. ` +
        `Run 'audit-collect trigger ${ruleId} --wait' first, then ask for the backfill again.`,
    );
  }
  checkRange({ ruleId, fromMs, toMs, nowMs: params.nowMs ?? Date.now(), liveStartMs: live.startPointMs, allowOverlap: params.allowOverlap });

  const backfillId = backfillWorkflowId({ ruleId, fromMs, toMs });
  const input: BackfillInput = { rule, fromMs, toMs, concurrency, liveStartMs: live.startPointMs };
  const slices = planSlices(input).length;
  const taskQueue = await scheduledTaskQueue({ client, ruleId });
  const outcome: StartOutcome = { backfillId, started: true, slices, concurrency, from: iso(fromMs), to: iso(toMs), liveStart: iso(live.startPointMs), webUi: webUiUrl(backfillId) };
  try {
    await client.workflow.start<typeof backfillWorkflow>('backfillWorkflow', {
      workflowId: backfillId,
      taskQueue,
      args: [input],
      memo: {
        ruleId,
        displayName: rule.displayName,
        orgId: rule.connection.orgId,
        bucket: rule.destination.bucket,
        prefix: rule.destination.prefix,
        from: outcome.from,
        to: outcome.to,
        liveStart: outcome.liveStart,
        concurrency,
        slices,
      },
      typedSearchAttributes: new TypedSearchAttributes([{ key: RULE_ID, value: ruleId }]),
      staticSummary: `Backfill of ${ruleId}: ${outcome.from} to ${outcome.to} in ${slices} slices, ${concurrency} at a time`,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    outcome.started = false;
  }
  return outcome;
}

export interface BackfillStatus {
  backfillId: string;
  status: string;
  failure?: string;
  progress: BackfillProgress;
}

/** The backfill workflow's description; BackfillNotFoundError when the ID names no backfill. */
async function describeBackfill(handle: WorkflowHandle, backfillId: string): Promise<WorkflowExecutionDescription> {
  let description: WorkflowExecutionDescription;
  try {
    description = await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new BackfillNotFoundError(backfillId);
    throw error;
  }
  if (description.type !== 'backfillWorkflow') throw new BackfillNotFoundError(backfillId);
  return description;
}

/**
 * The backfill's progress: the workflow's own view of its slices, refined with each running
 * slice's latest state (asked of the slice) and the pace as of now.
 */
export async function backfillStatus(params: { client: Client; backfillId: string; nowMs?: number }): Promise<BackfillStatus> {
  const handle = params.client.workflow.getHandle<typeof backfillWorkflow>(params.backfillId);
  const description = await describeBackfill(handle, params.backfillId);
  const status = description.status.name;
  // A completed backfill's result is its final progress: no worker needed to answer.
  if (status === 'COMPLETED') return { backfillId: params.backfillId, status, progress: await handle.result() };
  const slices = await handle.query<SliceReport[]>('slices');
  await Promise.all(
    slices
      .filter((s) => s.status === 'running')
      .map(async (s) => {
        try {
          s.state = await params.client.workflow.getHandle(sliceWorkflowId(params.backfillId, s.index)).query<SliceState>('sliceState');
        } catch {
          // A slice between runs (continuing as new, or its worker gone) answers later.
        }
      }),
  );
  const base = await handle.query<BackfillProgress>('progress');
  const progress = summarize({
    backfillId: params.backfillId,
    range: { ruleId: base.ruleId, fromMs: Date.parse(base.from), toMs: Date.parse(base.to), concurrency: base.concurrency, liveStartMs: Date.parse(base.liveStart) },
    slices,
    startedAtMs: description.startTime.getTime(),
    nowMs: description.closeTime?.getTime() ?? params.nowMs ?? Date.now(),
  });
  const result: BackfillStatus = { backfillId: params.backfillId, status, progress };
  if (status === 'FAILED') {
    try {
      await handle.result();
    } catch (error) {
      // A slice's failure arrives wrapped as a child-workflow failure; its cause says what to fix.
      const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
      result.failure = (cause?.cause instanceof Error ? cause.cause.message : cause?.message) ?? String(error);
    }
  }
  return result;
}

/** Requests cancellation; the running slices stop after their current batch. */
export async function cancelBackfill(params: { client: Client; backfillId: string }): Promise<{ cancelled: boolean; status: string }> {
  const handle = params.client.workflow.getHandle(params.backfillId);
  const description = await describeBackfill(handle, params.backfillId);
  if (description.status.name !== 'RUNNING') return { cancelled: false, status: description.status.name };
  await handle.cancel();
  return { cancelled: true, status: 'CANCEL_REQUESTED' };
}

function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** A bar of `width` cells; block characters on a terminal, plain ASCII when piped. */
export function progressBar(fraction: number, width: number, style: TextStyle): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  const [full, empty] = style.color ? ['█', '░'] : ['#', '-'];
  return `[${full.repeat(filled)}${empty.repeat(width - filled)}]`;
}

export function backfillText(s: BackfillStatus, style: TextStyle): string {
  const p = s.progress;
  const percent = `${Math.floor(p.fraction * 100)}%`.padStart(4);
  const eta = s.status !== 'RUNNING' ? '-' : p.etaMs === null ? 'unknown yet' : humanSeconds(Math.round(p.etaMs / 1000));
  const lines = [
    `backfill    ${s.backfillId} (${s.status})`,
    `rule        ${p.ruleId}: ${p.from} to ${p.to}; live collection owns from ${p.liveStart}`,
    `progress    ${progressBar(p.fraction, 30, style)} ${percent}  ${p.slices.done}/${p.slices.total} slices done, ${p.slices.running} running (concurrency ${p.concurrency})`,
    `written     ${p.events} events in ${p.objects} objects (${bytesText(p.bytes)} compressed)${p.dropped ? `; ${p.dropped} left to live collection` : ''}`,
    `position    everything processed before ${p.position} is written`,
    `rate        ${Math.round(p.eventsPerSecond)} events/s; ETA ${eta}`,
  ];
  if (s.failure) lines.push(`error       ${s.failure}`);
  return lines.join('\n');
}

function startText(o: StartOutcome): string {
  const head = o.started
    ? `started ${o.backfillId}: ${o.from} to ${o.to} in ${o.slices} slices, ${o.concurrency} at a time`
    : `already running: ${o.backfillId} (the same rule and range were asked for before; nothing new started)`;
  return [head, `  progress: audit-collect backfill status ${o.backfillId}`, `  Web UI:   ${o.webUi}`].join('\n');
}

/** `audit-collect backfill ...`: returns the exit code; connection and not-found errors go to the caller. */
export async function backfillCommand(params: { argv: string[]; connect: () => Promise<Client> }): Promise<number> {
  const { values, positionals } = parseArgs({
    args: params.argv,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      concurrency: { type: 'string' },
      'allow-overlap': { type: 'boolean' },
      watch: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(BACKFILL_HELP);
    return values.help ? 0 : 2;
  }
  const json = values.json ?? false;
  const [first, second, ...extra] = positionals;
  if (first === 'status' || first === 'cancel') {
    if (!second || extra.length > 0) throw new BackfillRequestError(`backfill ${first} needs exactly one backfill ID`);
    const client = await params.connect();
    if (first === 'cancel') {
      const outcome = await cancelBackfill({ client, backfillId: second });
      console.log(json ? JSON.stringify(outcome) : outcome.cancelled ? `cancel requested for ${second}; running slices stop after their current batch` : `${second} is not running (${outcome.status}); nothing to cancel`);
      return 0;
    }
    return watchStatus({ client, backfillId: second, json, watch: values.watch ?? false });
  }
  if (second !== undefined) throw new BackfillRequestError(`backfill takes one rule ID, got ${positionals.length} arguments`);
  const fromMs = parseInstant(values.from, 'from');
  const toMs = parseInstant(values.to, 'to');
  const concurrency = parseConcurrency(values.concurrency);
  const client = await params.connect();
  const outcome = await startBackfill({ client, ruleId: first, fromMs, toMs, concurrency, allowOverlap: values['allow-overlap'] ?? false });
  console.log(json ? JSON.stringify(outcome, null, 2) : startText(outcome));
  return 0;
}

async function watchStatus(params: { client: Client; backfillId: string; json: boolean; watch: boolean }): Promise<number> {
  const style = styleFor(process.stdout);
  const redraw = params.watch && Boolean(process.stdout.isTTY) && !params.json;
  let previousLines = 0;
  for (;;) {
    const status = await backfillStatus({ client: params.client, backfillId: params.backfillId });
    const text = params.json ? JSON.stringify(status, null, 2) : backfillText(status, style);
    // On a terminal --watch rewrites the block in place; piped, each update is appended as plain text.
    if (redraw && previousLines > 0) process.stdout.write(`\x1b[${previousLines}F\x1b[0J`);
    console.log(text);
    previousLines = text.split('\n').length;
    if (!params.watch || status.status !== 'RUNNING') return status.status === 'FAILED' ? 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

