// `status` and `list`: a rule's schedule, last runs and health, as read from Temporal.
import type { Client, ScheduleDescription } from '@temporalio/client';
import { UndecryptablePayloadError } from '../../secrets/encryption';
import type { CollectResult, RuleSpec } from '../../model/types';
import { sourceLabel } from '../../model/source';
import { judgeHealth, type LastError, type RuleHealth } from './health';
import { checkActionDecrypts, describeOrThrow, ruleSetOf } from '../schedules/read';
import { runInfo, type RunInfo } from './runs';

export interface RuleStatus {
  ruleId: string;
  displayName: string;
  scheduleId: string;
  orgId: string;
  /** For a site rule, what it reads (`Jira site acme.atlassian.net`); absent for an org's events stream. */
  source?: string;
  bucket: string;
  prefix: string;
  interval: string;
  /** The task queue the schedule starts runs on: a worker must poll it. */
  taskQueue: string;
  /** The rule set (see `apply --prune`) the schedule belongs to; null before rule sets. */
  ruleSet: string | null;
  paused: boolean;
  note: string | null;
  nextRunAt: string | null;
  running: boolean;
  lastRun: RunInfo | null;
  lastSuccess: (RunInfo & { result: CollectResult }) | null;
  /** The cursor's position: the processing time of the last event written. */
  lastProcessedAt: string | null;
  totals: { events: number; objects: number; bytes: number };
  health: RuleHealth;
  /**
   * Set when this process cannot decrypt the schedule's payloads or its last runs' (a key it lacks):
   * the reason the rule is stuck as far as can be told here; the fields above are then mostly empty.
   */
  unreadable?: { keyId: string; reason: string };
}

export async function ruleStatus(params: { client: Client; ruleId: string }): Promise<RuleStatus> {
  const d = await describeOrThrow(params.client, params.ruleId);
  try {
    await checkActionDecrypts(params.client, d);
    return await readableStatus({ ...params, d });
  } catch (error) {
    if (error instanceof UndecryptablePayloadError) return unreadableStatus({ ruleId: params.ruleId, d, error });
    throw error;
  }
}

/** Collect runs of the rule that completed, any schedule's: visibility keeps them for the namespace's retention. */
export const completedRunsQuery = (ruleId: string) =>
  `RuleId = '${ruleId.replace(/['\\]/g, '\\$&')}' AND ExecutionStatus = 'Completed' AND WorkflowType = 'collectWorkflow'`;

/**
 * The rule's last completed collect run, found by a visibility query: asked only when the schedule's
 * recent actions hold none, so `list` makes no extra call for a healthy rule.
 */
async function lastCompletedRun(params: { client: Client; ruleId: string }): Promise<RuleStatus['lastSuccess']> {
  const { client } = params;
  const { executions } = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query: completedRunsQuery(params.ruleId),
    pageSize: 10,
  });
  // Newest closed first on every visibility store; the latest close of the page, to be sure.
  const seconds = (e: (typeof executions)[number]) => Number(e.closeTime?.seconds ?? 0) * 1e9 + (e.closeTime?.nanos ?? 0);
  const latest = [...(executions ?? [])].sort((a, b) => seconds(b) - seconds(a))[0];
  const { workflowId, runId } = latest?.execution ?? {};
  if (!workflowId || !runId) return null;
  const { result, ...info } = await runInfo(client, workflowId, runId);
  return result ? { ...info, result } : null;
}

const taskQueueOf = (d: ScheduleDescription) => (d.action.type === 'startWorkflow' ? d.action.taskQueue : '');

function unreadableStatus(params: { ruleId: string; d: ScheduleDescription; error: UndecryptablePayloadError }): RuleStatus {
  const { d, error } = params;
  const nowMs = Date.now();
  const at = new Date(nowMs).toISOString();
  // No run can be read, so there is nothing to judge lag or quiet time by: only the reason counts.
  const base = judgeHealth({
    nowMs,
    paused: d.state.paused,
    pauseNote: d.state.note ?? null,
    createdAt: at,
    lastProcessedAt: null,
    lastSuccess: null,
    failure: null,
    retrying: null,
  });
  const memo = (d.memo ?? {}) as Record<string, string | undefined>;
  return {
    ruleId: params.ruleId,
    displayName: memo.displayName ?? params.ruleId,
    scheduleId: d.scheduleId,
    orgId: memo.orgId ?? '',
    bucket: memo.bucket ?? '',
    prefix: memo.prefix ?? '',
    interval: memo.interval ?? '',
    taskQueue: taskQueueOf(d),
    ruleSet: null,
    paused: d.state.paused,
    note: d.state.note ?? null,
    nextRunAt: d.state.paused ? null : (d.info.nextActionTimes[0]?.toISOString() ?? null),
    running: d.info.runningActions.length > 0,
    lastRun: null,
    lastSuccess: null,
    lastProcessedAt: null,
    totals: { events: 0, objects: 0, bytes: 0 },
    health: {
      ...base,
      state: 'failing',
      lastError: { type: error.name, message: error.message, at },
      warnings: [error.message, ...base.warnings],
    },
    unreadable: { keyId: error.keyId, reason: error.message },
  };
}

async function readableStatus(params: { client: Client; ruleId: string; d: ScheduleDescription }): Promise<RuleStatus> {
  const { d } = params;
  let lastRun: RunInfo | null = null;
  let lastSuccess: RuleStatus['lastSuccess'] = null;
  for (const action of [...d.info.recentActions].reverse()) {
    const { workflowId, firstExecutionRunId } = action.action.workflow;
    const info = await runInfo(params.client, workflowId, firstExecutionRunId);
    if (!lastRun) {
      const { result: _result, ...rest } = info;
      lastRun = rest;
    }
    if (info.result) {
      const { result, ...rest } = info;
      lastSuccess = { ...rest, result };
      break;
    }
  }
  // Not among the schedule's last ten runs (more failed since, or the schedule was deleted and applied again).
  if (!lastSuccess) lastSuccess = await lastCompletedRun({ client: params.client, ruleId: params.ruleId });
  const result = lastSuccess?.result;
  const rule = d.action.type === 'startWorkflow' ? (d.action.args?.[0] as { rule?: RuleSpec } | undefined)?.rule : undefined;
  // The schedule's own memo may be unreadable after a key rotation (see readerOf); the rule is not.
  const memo = (d.memo ?? {}) as Record<string, string | undefined>;
  const asError = (run: RunInfo | null): LastError | null =>
    run?.failure ? { type: run.failureType ?? run.status, message: run.failure, at: run.closedAt ?? run.startedAt } : null;
  const health = judgeHealth({
    nowMs: Date.now(),
    paused: d.state.paused,
    pauseNote: d.state.note ?? null,
    createdAt: d.info.createdAt.toISOString(),
    lastProcessedAt: result?.lastProcessedAt ?? null,
    lastSuccess: lastSuccess
      ? { closedAt: lastSuccess.closedAt, events: lastSuccess.result.run.events, health: lastSuccess.result.health }
      : null,
    failure: asError(lastRun),
    retrying: lastRun?.retrying
      ? { type: lastRun.retrying.type, message: lastRun.retrying.message, attempt: lastRun.retrying.attempt, at: lastRun.retrying.since }
      : null,
    apiKeyExpiresAt: rule?.connection.apiKeyExpiresAt,
    warnNoDataAfter: rule?.warnNoDataAfter,
    interval: rule?.interval ?? memo.interval,
  });
  return {
    ruleId: params.ruleId,
    displayName: rule?.displayName ?? memo.displayName ?? params.ruleId,
    scheduleId: d.scheduleId,
    orgId: rule?.connection.orgId ?? memo.orgId ?? '',
    ...(rule?.connection.source ? { source: sourceLabel(rule.connection) } : memo.source ? { source: memo.source } : {}),
    bucket: rule?.destination.bucket ?? memo.bucket ?? '',
    prefix: rule?.destination.prefix ?? memo.prefix ?? '',
    interval: rule?.interval ?? memo.interval ?? '',
    taskQueue: taskQueueOf(d),
    ruleSet: ruleSetOf(d) ?? null,
    paused: d.state.paused,
    note: d.state.note ?? null,
    nextRunAt: d.state.paused ? null : (d.info.nextActionTimes[0]?.toISOString() ?? null),
    running: d.info.runningActions.length > 0,
    lastRun,
    lastSuccess,
    lastProcessedAt: result?.lastProcessedAt ?? null,
    totals: result?.totals ?? { events: 0, objects: 0, bytes: 0 },
    health,
  };
}
