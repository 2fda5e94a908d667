// One Temporal Schedule per rule: create, update, list, describe, trigger, pause, resume, delete.
import { createHash } from 'node:crypto';
import {
  Client,
  ScheduleNotFoundError,
  ApplicationFailure,
  ScheduleOverlapPolicy,
  WorkflowFailedError,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import { SearchAttributeType, TypedSearchAttributes, defineSearchAttributeKey, type Duration, type Payload } from '@temporalio/common';
import { AesGcmCodec, UndecryptablePayloadError, encryptionKeyIdOf } from '../common/encryption';
import type { collectWorkflow } from '../workflows';
import { SCHEDULE_ID_PREFIX, TASK_QUEUE, WORKFLOW_ID_PREFIX, scheduleIdOf, type CollectResult, type RuleSpec } from '../model/types';
import type { RuleDefinition } from './rules';
import { judgeHealth, type LastError, type RuleHealth } from './health';

export const RULE_ID = defineSearchAttributeKey('RuleId', SearchAttributeType.KEYWORD);
const PAUSED_BY_FILE = 'paused in the rules file';
/** Bumped when the shape of what a schedule starts changes, so `apply` rewrites old schedules. */
const SPEC_VERSION = 2;

export const scheduleId = scheduleIdOf;
export const workflowIdPrefix = (ruleId: string) => `${WORKFLOW_ID_PREFIX}${ruleId}`;
export const ruleIdOf = (id: string) => id.slice(SCHEDULE_ID_PREFIX.length);

/** What operators see on every run in the Web UI; never a secret. */
function memoOf(rule: RuleSpec): Record<string, string> {
  return {
    ruleId: rule.id,
    displayName: rule.displayName,
    orgId: rule.connection.orgId,
    connection: rule.connection.name,
    bucket: rule.destination.bucket,
    prefix: rule.destination.prefix,
    interval: rule.interval,
  };
}

function specHash(rule: RuleSpec, taskQueue: string): string {
  return createHash('sha256').update(JSON.stringify({ v: SPEC_VERSION, rule, taskQueue })).digest('hex').slice(0, 16);
}

function actionOf(rule: RuleSpec, taskQueue: string): ScheduleOptionsStartWorkflowAction<typeof collectWorkflow> {
  return {
    type: 'startWorkflow',
    workflowType: 'collectWorkflow',
    args: [{ rule }],
    taskQueue,
    workflowId: workflowIdPrefix(rule.id),
    // Shown on every run in the Web UI (the run's own counts are its current details).
    staticSummary: `Collect ${rule.displayName} (${rule.id}) into s3://${rule.destination.bucket}/${rule.destination.prefix}`,
    staticDetails: [
      `**Rule** ${rule.displayName} (\`${rule.id}\`), every ${rule.interval}`,
      `**Atlassian org** ${rule.connection.orgId} (connection \`${rule.connection.name}\`)`,
      `**Destination** s3://${rule.destination.bucket}/${rule.destination.prefix}`,
    ].join('\n\n'),
    memo: { ...memoOf(rule), specHash: specHash(rule, taskQueue) },
    typedSearchAttributes: new TypedSearchAttributes([{ key: RULE_ID, value: rule.id }]),
  };
}

function optionsOf(def: RuleDefinition, taskQueue: string): ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof collectWorkflow>> {
  return {
    scheduleId: scheduleId(def.spec.id),
    spec: { intervals: [{ every: def.spec.interval as Duration }] },
    action: actionOf(def.spec, taskQueue),
    // SKIP: one run per rule at a time, so runs hand the cursor on in order. Failed runs (only
    // needs-a-human errors fail) pause the schedule so the operator sees why.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, pauseOnFailure: true, catchupWindow: '10 minutes' },
    state: def.paused ? { paused: true, note: PAUSED_BY_FILE } : { paused: false },
    memo: memoOf(def.spec),
    typedSearchAttributes: new TypedSearchAttributes([{ key: RULE_ID, value: def.spec.id }]),
  };
}

export type ApplyAction = 'created' | 'updated' | 'unchanged' | 'deleted';

export interface ApplyOutcome {
  ruleId: string;
  action: ApplyAction;
  /** Set when the update (also) rewrote payloads encrypted with other keys (or none) to the current key. */
  reencrypted?: { from: string[]; to: string };
}

function codecOf(client: Client): AesGcmCodec | undefined {
  return client.options.loadedDataConverter.payloadCodecs.find((c): c is AesGcmCodec => c instanceof AesGcmCodec);
}

const readers = new WeakMap<Client, Client>();

/**
 * The client to read schedules and runs through. A schedule's own memo is written at creation and
 * Temporal cannot update it, so after a key rotation it may stay encrypted with a key that is gone;
 * this client decodes what it cannot decrypt as undefined. What must be readable (a schedule's
 * action, a run's result) is decoded strictly.
 */
function readerOf(client: Client): Client {
  const codec = codecOf(client);
  if (!codec) return client;
  let reader = readers.get(client);
  if (!reader) {
    const dataConverter = { ...client.options.dataConverter, payloadCodecs: [codec.lenient()] };
    reader = new Client({ connection: client.connection, namespace: client.options.namespace, dataConverter });
    readers.set(client, reader);
  }
  return reader;
}

async function describe(client: Client, ruleId: string): Promise<ScheduleDescription | undefined> {
  try {
    return await readerOf(client).schedule.getHandle(scheduleId(ruleId)).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

/** The encoded payloads a schedule copies into every run it starts (plus its Web UI summary). */
function actionPayloads(d: ScheduleDescription): Payload[] {
  const start = d.raw.schedule?.action?.startWorkflow;
  const payloads = [...(start?.input?.payloads ?? []), ...Object.values(start?.memo?.fields ?? {}), start?.userMetadata?.summary, start?.userMetadata?.details];
  return payloads.filter((p): p is Payload => p != null);
}

/** Throws UndecryptablePayloadError when this process cannot decrypt what the schedule starts runs with. */
async function checkActionDecrypts(client: Client, d: ScheduleDescription): Promise<void> {
  await codecOf(client)?.decode(actionPayloads(d));
}

/** Key ids other than the current one (none for plaintext) among the action's payloads, or undefined if all are current. */
function staleKeyIds(d: ScheduleDescription, codec: AesGcmCodec | undefined): string[] | undefined {
  if (!codec) return undefined;
  const ids = actionPayloads(d).map(encryptionKeyIdOf);
  if (ids.every((id) => id === codec.keyId)) return undefined;
  return [...new Set(ids.filter((id): id is string => id !== undefined && id !== codec.keyId))];
}

/** Listed raw: the SDK's list decodes every schedule's memo, which ids do not need. */
export async function managedRuleIds(client: Client): Promise<string[]> {
  const ids: string[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listSchedules({ namespace: client.options.namespace, maximumPageSize: 1000, nextPageToken });
    for (const { scheduleId: id } of page.schedules ?? []) {
      if (id?.startsWith(SCHEDULE_ID_PREFIX)) ids.push(ruleIdOf(id));
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return ids.sort();
}

/** Makes the schedules match the rules: idempotent; with `prune`, deletes schedules of removed rules. */
export async function applyRules(params: { client: Client; rules: RuleDefinition[]; prune: boolean; taskQueue?: string }): Promise<ApplyOutcome[]> {
  const taskQueue = params.taskQueue ?? TASK_QUEUE;
  const codec = codecOf(params.client);
  const outcomes: ApplyOutcome[] = [];
  for (const def of params.rules) {
    const options = optionsOf(def, taskQueue);
    const current = await describe(params.client, def.spec.id);
    if (!current) {
      await params.client.schedule.create(options);
      outcomes.push({ ruleId: def.spec.id, action: 'created' });
      continue;
    }
    const currentHash = current.action.type === 'startWorkflow' ? current.action.memo?.specHash : undefined;
    const pauseChange = def.paused ? !current.state.paused : current.state.paused && current.state.note === PAUSED_BY_FILE;
    // Also when the old key is gone: the action is rebuilt from the file, nothing of it is read.
    const stale = staleKeyIds(current, codec);
    if (currentHash === options.action.memo?.specHash && !pauseChange && !stale) {
      outcomes.push({ ruleId: def.spec.id, action: 'unchanged' });
      continue;
    }
    const handle = readerOf(params.client).schedule.getHandle(options.scheduleId);
    await handle.update((previous) => ({
      spec: options.spec,
      action: options.action,
      policies: options.policies,
      // An operator's pause (or a pause on failure) stays until `resume`; the file only adds or lifts its own.
      state: pauseChange ? { paused: def.paused, note: def.paused ? PAUSED_BY_FILE : 'unpaused in the rules file' } : { paused: previous.state.paused, note: previous.state.note },
    }));
    outcomes.push({ ruleId: def.spec.id, action: 'updated', ...(stale && codec ? { reencrypted: { from: stale, to: codec.keyId } } : {}) });
  }
  if (params.prune) {
    const wanted = new Set(params.rules.map((r) => r.spec.id));
    for (const ruleId of await managedRuleIds(params.client)) {
      if (wanted.has(ruleId)) continue;
      await params.client.schedule.getHandle(scheduleId(ruleId)).delete();
      outcomes.push({ ruleId, action: 'deleted' });
    }
  }
  return outcomes;
}

export class RuleNotFoundError extends Error {
  constructor(readonly ruleId: string) {
    super(`no schedule for rule '${ruleId}' (schedule id ${scheduleId(ruleId)}). Run 'audit-collect list' to see the rules, or 'audit-collect apply' to create it.`);
  }
}

async function describeOrThrow(client: Client, ruleId: string): Promise<ScheduleDescription> {
  const description = await describe(client, ruleId);
  if (!description) throw new RuleNotFoundError(ruleId);
  return description;
}

/** The rule a schedule runs, as its action carries it (references only, no secrets). */
export async function scheduledRule(params: { client: Client; ruleId: string }): Promise<RuleSpec> {
  const d = await describeOrThrow(params.client, params.ruleId);
  if (d.action.type !== 'startWorkflow') throw new RuleNotFoundError(params.ruleId);
  await checkActionDecrypts(params.client, d);
  return (d.action.args?.[0] as { rule: RuleSpec }).rule;
}

/** The task queue the rule's schedule starts runs on. */
export async function scheduledTaskQueue(params: { client: Client; ruleId: string }): Promise<string> {
  const d = await describeOrThrow(params.client, params.ruleId);
  return d.action.type === 'startWorkflow' ? d.action.taskQueue : TASK_QUEUE;
}

export interface RunInfo {
  workflowId: string;
  runId: string;
  status: string;
  startedAt: string;
  closedAt: string | null;
  failure?: string;
  /** The failure's class, e.g. AtlassianUnauthorized (see activities/errors.ts). */
  failureType?: string;
  /** While running: a batch being retried after a transient error, since its first attempt. */
  retrying?: { activity: string; attempt: number; type: string; message: string; since: string };
}

export interface RuleStatus {
  ruleId: string;
  displayName: string;
  scheduleId: string;
  orgId: string;
  bucket: string;
  prefix: string;
  interval: string;
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

async function runInfo(client: Client, workflowId: string, runId: string): Promise<RunInfo & { result?: CollectResult }> {
  const handle = client.workflow.getHandle(workflowId, runId);
  // The run's memo may use a key since dropped; its result must decrypt (strict `handle`).
  const d = await readerOf(client).workflow.getHandle(workflowId, runId).describe();
  const info: RunInfo & { result?: CollectResult } = {
    workflowId,
    runId,
    status: d.status.name,
    startedAt: d.startTime.toISOString(),
    closedAt: d.closeTime?.toISOString() ?? null,
  };
  if (d.status.name === 'COMPLETED') info.result = (await handle.result()) as CollectResult;
  if (d.status.name === 'FAILED') {
    try {
      await handle.result();
    } catch (error) {
      if (error instanceof UndecryptablePayloadError) throw error;
      info.failure = error instanceof WorkflowFailedError && error.cause ? error.cause.message : String(error);
      if (error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure && error.cause.type) info.failureType = error.cause.type;
    }
  }
  if (d.status.name === 'RUNNING') {
    const pending = d.raw.pendingActivities?.find((a) => a.lastFailure);
    if (pending?.lastFailure) {
      info.retrying = {
        activity: pending.activityType?.name ?? 'activity',
        attempt: pending.attempt ?? 0,
        type: pending.lastFailure.applicationFailureInfo?.type ?? 'Error',
        message: pending.lastFailure.message ?? '',
        since: (await firstScheduled({ client, workflowId, runId, activityId: pending.activityId })) ?? info.startedAt,
      };
    }
  }
  return info;
}

/**
 * When a pending activity was first scheduled: retries add no history events, so its scheduled
 * event, at or near the end of the history, dates its first attempt. Undefined if not found.
 */
async function firstScheduled(params: { client: Client; workflowId: string; runId: string; activityId?: string | null }): Promise<string | undefined> {
  try {
    const { history } = await params.client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: params.client.options.namespace,
      execution: { workflowId: params.workflowId, runId: params.runId },
      maximumPageSize: 20,
    });
    const event = history?.events?.find((e) => e.activityTaskScheduledEventAttributes?.activityId === params.activityId);
    const seconds = event?.eventTime?.seconds;
    return seconds == null ? undefined : new Date(Number(seconds) * 1000 + Math.floor((event?.eventTime?.nanos ?? 0) / 1e6)).toISOString();
  } catch {
    return undefined;
  }
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

function unreadableStatus(params: { ruleId: string; d: ScheduleDescription; error: UndecryptablePayloadError }): RuleStatus {
  const { d, error } = params;
  const nowMs = Date.now();
  const at = new Date(nowMs).toISOString();
  // No run can be read, so there is nothing to judge lag or quiet time by: only the reason counts.
  const base = judgeHealth({ nowMs, paused: d.state.paused, pauseNote: d.state.note ?? null, createdAt: at, lastProcessedAt: null, lastSuccess: null, failure: null, retrying: null });
  const memo = (d.memo ?? {}) as Record<string, string | undefined>;
  return {
    ruleId: params.ruleId,
    displayName: memo.displayName ?? params.ruleId,
    scheduleId: d.scheduleId,
    orgId: memo.orgId ?? '',
    bucket: memo.bucket ?? '',
    prefix: memo.prefix ?? '',
    interval: memo.interval ?? '',
    paused: d.state.paused,
    note: d.state.note ?? null,
    nextRunAt: d.state.paused ? null : (d.info.nextActionTimes[0]?.toISOString() ?? null),
    running: d.info.runningActions.length > 0,
    lastRun: null,
    lastSuccess: null,
    lastProcessedAt: null,
    totals: { events: 0, objects: 0, bytes: 0 },
    health: { ...base, state: 'failing', lastError: { type: error.name, message: error.message, at }, warnings: [error.message, ...base.warnings] },
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
    lastSuccess: lastSuccess ? { closedAt: lastSuccess.closedAt, events: lastSuccess.result.run.events, health: lastSuccess.result.health } : null,
    failure: asError(lastRun),
    retrying: lastRun?.retrying ? { type: lastRun.retrying.type, message: lastRun.retrying.message, attempt: lastRun.retrying.attempt, at: lastRun.retrying.since } : null,
    apiKeyExpiresAt: rule?.connection.apiKeyExpiresAt,
    warnNoDataAfter: rule?.warnNoDataAfter,
    interval: rule?.interval ?? memo.interval,
  });
  return {
    ruleId: params.ruleId,
    displayName: rule?.displayName ?? memo.displayName ?? params.ruleId,
    scheduleId: d.scheduleId,
    orgId: rule?.connection.orgId ?? memo.orgId ?? '',
    bucket: rule?.destination.bucket ?? memo.bucket ?? '',
    prefix: rule?.destination.prefix ?? memo.prefix ?? '',
    interval: rule?.interval ?? memo.interval ?? '',
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

export type TriggerOutcome = { started: false; reason: string } | { started: true; run: RunInfo & { result?: CollectResult } };

/**
 * Starts a run now with overlap SKIP (a trigger without a policy would use ALLOW_ALL, whose runs
 * neither receive nor record the last result). With `wait`, returns when that run has closed.
 */
export async function triggerRule(params: { client: Client; ruleId: string; wait: boolean; timeoutMs?: number }): Promise<TriggerOutcome> {
  const handle = params.client.schedule.getHandle(scheduleId(params.ruleId));
  const before = await describeOrThrow(params.client, params.ruleId);
  if (before.info.runningActions.length > 0) return { started: false, reason: 'a run is already in progress; the trigger would be skipped' };
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
  if (!params.wait) return { started: true, run: { workflowId: '', runId: '', status: 'STARTED', startedAt: new Date().toISOString(), closedAt: null } };
  const deadline = Date.now() + (params.timeoutMs ?? 10 * 60_000);
  while (Date.now() < deadline) {
    const now = await describeOrThrow(params.client, params.ruleId);
    if (now.info.numActionsSkippedOverlap > before.info.numActionsSkippedOverlap) return { started: false, reason: 'skipped: another run started first' };
    if (now.info.numActionsTaken > before.info.numActionsTaken) {
      const action = now.info.recentActions.at(-1)!.action.workflow;
      await params.client.workflow.getHandle(action.workflowId, action.firstExecutionRunId).result().catch(() => undefined);
      return { started: true, run: await runInfo(params.client, action.workflowId, action.firstExecutionRunId) };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the triggered run of rule '${params.ruleId}' did not start within the timeout; is a worker running?`);
}

export async function pauseRule(params: { client: Client; ruleId: string; reason: string }): Promise<void> {
  await describeOrThrow(params.client, params.ruleId);
  await params.client.schedule.getHandle(scheduleId(params.ruleId)).pause(params.reason);
}

export async function resumeRule(params: { client: Client; ruleId: string }): Promise<void> {
  await describeOrThrow(params.client, params.ruleId);
  await params.client.schedule.getHandle(scheduleId(params.ruleId)).unpause('resumed with audit-collect resume');
}

export async function deleteRule(params: { client: Client; ruleId: string }): Promise<void> {
  await describeOrThrow(params.client, params.ruleId);
  await params.client.schedule.getHandle(scheduleId(params.ruleId)).delete();
}
