// A rule's open collect runs (its live writers), and ending them before its schedule goes or a new
// one starts. Overlap SKIP only knows a schedule's own runs: a run left by a deleted schedule would
// write beside the runs of the next one.
import { type Client, WorkflowNotFoundError, type ScheduleDescription } from '@temporalio/client';
import { readerOf } from './read';

export interface OpenRun {
  workflowId: string;
  runId: string;
}

/** How open runs end: waited for until a deadline (`wait` as the operator gave it), or terminated. */
export type EndRuns = { kind: 'wait'; deadlineMs: number; wait: string } | { kind: 'terminate'; reason: string };

export interface EndedRuns {
  /** The runs that were open, by workflow ID; empty when none was. */
  workflowIds: string[];
  how: 'finished' | 'terminated';
}

const POLL_MS = 500;

/** How long `delete` and `apply` wait for an open run by default (--wait). */
export const DEFAULT_OPEN_RUN_WAIT = '2m';

/** Backfills carry the RuleId too, but write under their own keys and position: only collect runs count. */
export const openRunsQuery = (ruleId: string) =>
  `RuleId = '${ruleId.replace(/['\\]/g, '\\$&')}' AND ExecutionStatus = 'Running' AND WorkflowType = 'collectWorkflow'`;

/**
 * The rule's open collect runs: those its schedule (if any) is running, and those visibility knows,
 * which include runs of an earlier, deleted schedule of the rule.
 */
export async function openCollectRuns(params: { client: Client; ruleId: string; schedule?: ScheduleDescription }): Promise<OpenRun[]> {
  const runs = new Map<string, OpenRun>();
  for (const { workflow } of params.schedule?.info.runningActions ?? []) {
    runs.set(workflow.workflowId, { workflowId: workflow.workflowId, runId: workflow.firstExecutionRunId });
  }
  // Through the lenient reader: a run's memo may be encrypted with a key since dropped.
  for await (const run of readerOf(params.client).workflow.list({ query: openRunsQuery(params.ruleId) })) {
    runs.set(run.workflowId, { workflowId: run.workflowId, runId: run.runId });
  }
  return [...runs.values()];
}

async function isOpen(client: Client, workflowId: string): Promise<boolean> {
  try {
    // The latest run of the ID: the one that is open if any is.
    const d = await readerOf(client).workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** The runs as they ended: finished (waited for) or terminated. */
export function endedRuns(params: { runs: OpenRun[]; end: EndRuns }): EndedRuns {
  return { workflowIds: params.runs.map((r) => r.workflowId), how: params.end.kind === 'terminate' ? 'terminated' : 'finished' };
}

/** Terminates the runs, or waits for them until the deadline; returns those still open. */
export async function endOpenRuns(params: { client: Client; runs: OpenRun[]; end: EndRuns }): Promise<OpenRun[]> {
  const { client, end } = params;
  if (end.kind === 'terminate') {
    for (const run of params.runs) {
      try {
        await client.workflow.getHandle(run.workflowId).terminate(end.reason);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error; // closed meanwhile
      }
    }
    return [];
  }
  let open = params.runs;
  for (;;) {
    const flags = await Promise.all(open.map((run) => isOpen(client, run.workflowId)));
    open = open.filter((_, i) => flags[i]);
    if (open.length === 0 || Date.now() >= end.deadlineMs) return open;
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, end.deadlineMs - Date.now()))));
  }
}

/** What the rule's runs being ended was for: deleting its schedule (`delete`, `apply --prune`) or creating one. */
export type OpenRunsDoing = 'delete' | 'prune' | 'create';

const runsText = (runs: OpenRun[]) =>
  runs.map((r) => `${r.workflowId} (run id ${r.runId})`).join(', ') + (runs.length === 1 ? ' is' : ' are') + ' still open';

/** Why the rule's schedule was not deleted or created, and what to do next. */
export function stillOpenText(params: { ruleId: string; runs: OpenRun[]; wait: string; doing: OpenRunsDoing }): string {
  const { ruleId, runs, wait, doing } = params;
  const open = `${runsText(runs)} after --wait ${wait}`;
  const plural = runs.length === 1 ? 'it' : 'them';
  if (doing === 'delete') {
    return (
      `rule '${ruleId}': ${open}; the schedule is paused (no new run starts), not deleted. ` +
      `Once the run has finished, run 'audit-collect delete ${ruleId}' again (a longer --wait waits for it), ` +
      `or end ${plural} now with 'audit-collect delete ${ruleId} --terminate' (the checkpoint in S3 keeps the rule's place); ` +
      `'audit-collect resume ${ruleId}' keeps the rule instead.`
    );
  }
  if (doing === 'prune') {
    return `not deleted: ${open}; the schedule is paused (no new run starts). Apply again once ${plural === 'it' ? 'it has' : 'they have'} finished, or with --terminate to end ${plural}.`;
  }
  return `not created: ${open}, left by a deleted schedule of this rule; a new schedule's runs would write beside ${plural}. Apply again once ${plural === 'it' ? 'it has' : 'they have'} finished, or with --terminate to end ${plural}.`;
}

/** A rule's schedule was not deleted: its open run outlasted the wait. The schedule stays paused. */
export class OpenRunsError extends Error {
  constructor(readonly params: { ruleId: string; runs: OpenRun[]; wait: string }) {
    super(stillOpenText({ ...params, doing: 'delete' }));
  }
}
