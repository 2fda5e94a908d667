// Where a collector run's wall time goes, read from its Temporal history: waiting for a worker to
// pick up each activity, running activities, and the workflow's turns between them.
import type { WorkflowHandle } from '@temporalio/client';

export type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
// temporal.api.enums.v1.EventType values.
const Type = {
  EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: 10,
  EVENT_TYPE_ACTIVITY_TASK_STARTED: 11,
  EVENT_TYPE_ACTIVITY_TASK_COMPLETED: 12,
} as const;

function ms(event: HistoryEvent): number {
  const t = event.eventTime;
  if (!t) return Number.NaN;
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

export interface TimeSplit {
  /** From ActivityTaskScheduled to ActivityTaskStarted. */
  activityDispatchMs: number;
  /** From ActivityTaskStarted to ActivityTaskCompleted: the batch itself. */
  activityRunMs: number;
  /** Everything else: workflow tasks, starting and completing the run. */
  otherMs: number;
  totalMs: number;
}

export function timeSplit(events: HistoryEvent[]): TimeSplit {
  const scheduled = new Map<string, number>();
  const started = new Map<string, number>();
  let dispatch = 0;
  let run = 0;
  for (const event of events) {
    const id = String(event.eventId);
    if (event.eventType === Type.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) scheduled.set(id, ms(event));
    if (event.eventType === Type.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const from = String(event.activityTaskStartedEventAttributes?.scheduledEventId);
      started.set(from, ms(event));
      dispatch += ms(event) - (scheduled.get(from) ?? ms(event));
    }
    if (event.eventType === Type.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const from = String(event.activityTaskCompletedEventAttributes?.scheduledEventId);
      run += ms(event) - (started.get(from) ?? ms(event));
    }
  }
  const first = events[0];
  const last = events.at(-1);
  const total = first && last ? ms(last) - ms(first) : 0;
  return { activityDispatchMs: dispatch, activityRunMs: run, otherMs: total - dispatch - run, totalMs: total };
}
