// What the fleet benchmark reads from each run's Temporal history: when the schedule meant it to
// start, when a worker first picked it up, how long it took, and what it costs in history events
// and Temporal Cloud billable actions.
import type { HistoryEvent } from '../shared/history';
import type { Client } from '@temporalio/client';

// temporal.api.enums.v1.EventType values.
const T = {
  WORKFLOW_EXECUTION_STARTED: 1,
  WORKFLOW_EXECUTION_COMPLETED: 2,
  WORKFLOW_TASK_STARTED: 6,
  ACTIVITY_TASK_STARTED: 11,
  TIMER_STARTED: 17,
  MARKER_RECORDED: 25,
  WORKFLOW_EXECUTION_SIGNALED: 26,
  UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: 40,
} as const;

/**
 * Temporal Cloud's billable actions (docs.temporal.io/cloud/actions) for a run a schedule started:
 * 2 for the schedule's action and 1 for the workflow start; 1 per activity attempt (the attempt
 * number of each ActivityTaskStarted); 1 per timer, signal and search-attribute upsert; 1 per
 * workflow task that recorded markers (local activities; patch markers excluded). Activity
 * heartbeats that reach the server are 1 each but are not in histories: they are counted from the
 * server's request metrics (see fleet.ts).
 */
export const SCHEDULE_ACTIONS = 3;

export interface RunFigures {
  workflowId: string;
  ruleId: string;
  scheduledMs: number;
  startedMs: number;
  firstTaskMs: number;
  closedMs: number;
  completed: boolean;
  historyEvents: number;
  actions: number;
  activities: number;
}

const ms = (event: HistoryEvent | undefined): number => {
  const t = event?.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : Number.NaN;
};

function scheduledAt(started: HistoryEvent): number {
  const payload = started.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields?.TemporalScheduledStartTime;
  if (!payload?.data) return Number.NaN;
  return Date.parse(JSON.parse(Buffer.from(payload.data).toString('utf8')) as string);
}

export function runFigures(params: { workflowId: string; ruleId: string; events: HistoryEvent[] }): RunFigures {
  const { events } = params;
  const first = events[0]!;
  let actions = SCHEDULE_ACTIONS;
  let activities = 0;
  const markerTasks = new Set<number>();
  let task = 0;
  for (const event of events) {
    const type = event.eventType as number;
    if (type === T.WORKFLOW_TASK_STARTED) task += 1;
    if (type === T.ACTIVITY_TASK_STARTED) {
      activities += 1;
      actions += event.activityTaskStartedEventAttributes?.attempt ?? 1;
    }
    if (type === T.TIMER_STARTED || type === T.WORKFLOW_EXECUTION_SIGNALED || type === T.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES) actions += 1;
    if (type === T.MARKER_RECORDED && event.markerRecordedEventAttributes?.markerName !== 'core_patch') markerTasks.add(task);
  }
  actions += markerTasks.size;
  const last = events.at(-1);
  return {
    workflowId: params.workflowId,
    ruleId: params.ruleId,
    scheduledMs: scheduledAt(first),
    startedMs: ms(first),
    firstTaskMs: ms(events.find((e) => (e.eventType as number) === T.WORKFLOW_TASK_STARTED)),
    closedMs: ms(last),
    completed: (last?.eventType as number) === T.WORKFLOW_EXECUTION_COMPLETED,
    historyEvents: events.length,
    actions,
    activities,
  };
}

/** Every collect run started in [fromMs, toMs), read from its history; a few at a time. */
export async function readRuns(params: { client: Client; fromMs: number; toMs: number; concurrency?: number }): Promise<RunFigures[]> {
  const { client } = params;
  const query = `WorkflowType = 'collectWorkflow' AND StartTime >= '${new Date(params.fromMs).toISOString()}' AND StartTime < '${new Date(params.toMs).toISOString()}'`;
  const listed: Array<{ workflowId: string; runId: string; ruleId: string }> = [];
  for await (const info of client.workflow.list({ query })) {
    const ruleId = (info.memo?.ruleId as string | undefined) ?? info.workflowId;
    listed.push({ workflowId: info.workflowId, runId: info.runId, ruleId });
  }
  const runs: RunFigures[] = [];
  await inParallel(listed, params.concurrency ?? 8, async (item) => {
    const history = await client.workflow.getHandle(item.workflowId, item.runId).fetchHistory();
    runs.push(runFigures({ workflowId: item.workflowId, ruleId: item.ruleId, events: history.events ?? [] }));
  });
  return runs;
}

/** Runs `work` over `items`, `concurrency` at a time. */
export async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** The p-th percentile (0-100) by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
