// What `delete` and `apply` do with a rule's open collect run, as far as it is pure: the --wait and
// --terminate options, the visibility query, and the messages that say what to do next.
import { endRunsOf } from '../../src/cli/commands/open-run-options';
import { type ApplyOutcome, OpenRunsError, openRunsQuery, stillOpenText } from '../../src/client/schedules';
import { applyText } from '../../src/client/status/text';
import { UsageError } from '../../src/cli/usage-error';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const REASON = 'deleted with audit-collect delete --terminate';
const RUN = { workflowId: 'collect-acme-audit-2026-06-01T11:55:00Z', runId: '0b6f6c2e-6a1f-4a57-9d1c-2f0d8e1b7c11' };
const OTHER = { workflowId: 'collect-acme-audit-2026-06-01T11:50:00Z', runId: '5d0c3a1b-9e8f-4c7d-8b6a-5f4e3d2c1b0a' };

describe('--wait and --terminate', () => {
  test('by default, wait 2 minutes', () => {
    expect(endRunsOf({ wait: undefined, terminate: undefined, reason: REASON, nowMs: NOW })).toEqual({
      kind: 'wait',
      deadlineMs: NOW + 120_000,
      wait: '2m',
    });
  });

  test.each([
    { wait: '1s', ms: 1_000 },
    { wait: '30s', ms: 30_000 },
    { wait: '10m', ms: 600_000 },
    { wait: '1h', ms: 3_600_000 },
    { wait: '0s', ms: 0 },
  ])('--wait $wait waits $ms ms', ({ wait, ms }) => {
    expect(endRunsOf({ wait, terminate: false, reason: REASON, nowMs: NOW })).toEqual({ kind: 'wait', deadlineMs: NOW + ms, wait });
  });

  test.each(['soon', '2 minutes', '5', '-1m', '1.5m', ''])('--wait %j is a usage error', (wait) => {
    expect(() => endRunsOf({ wait, terminate: undefined, reason: REASON, nowMs: NOW })).toThrow(
      new UsageError(`--wait '${wait}' must be a duration such as 30s, 5m or 1h`),
    );
  });

  test('--terminate terminates with the reason, and takes no --wait', () => {
    expect(endRunsOf({ wait: undefined, terminate: true, reason: REASON, nowMs: NOW })).toEqual({ kind: 'terminate', reason: REASON });
    expect(() => endRunsOf({ wait: '1m', terminate: true, reason: REASON, nowMs: NOW })).toThrow(UsageError);
  });
});

test("the visibility query finds the rule's running collect runs, not its backfills", () => {
  expect(openRunsQuery('acme-audit')).toBe("RuleId = 'acme-audit' AND ExecutionStatus = 'Running' AND WorkflowType = 'collectWorkflow'");
  expect(openRunsQuery("a'b")).toBe("RuleId = 'a\\'b' AND ExecutionStatus = 'Running' AND WorkflowType = 'collectWorkflow'");
});

describe('a run still open after the wait', () => {
  test('delete names the run, says the schedule is paused and how to go on', () => {
    expect(new OpenRunsError({ ruleId: 'acme-audit', runs: [RUN], wait: '1s' }).message).toBe(
      `rule 'acme-audit': ${RUN.workflowId} (run id ${RUN.runId}) is still open after --wait 1s; the schedule is paused (no new run starts), not deleted. ` +
        "Once the run has finished, run 'audit-collect delete acme-audit' again (a longer --wait waits for it), " +
        "or end it now with 'audit-collect delete acme-audit --terminate' (the checkpoint in S3 keeps the rule's place); " +
        "'audit-collect resume acme-audit' keeps the rule instead.",
    );
  });

  test('prune and create say why the rule was refused', () => {
    expect(stillOpenText({ ruleId: 'acme-audit', runs: [RUN], wait: '2m', doing: 'prune' })).toBe(
      `not deleted: ${RUN.workflowId} (run id ${RUN.runId}) is still open after --wait 2m; the schedule is paused (no new run starts). ` +
        'Apply again once it has finished, or with --terminate to end it.',
    );
    expect(stillOpenText({ ruleId: 'acme-audit', runs: [RUN, OTHER], wait: '2m', doing: 'create' })).toBe(
      `not created: ${RUN.workflowId} (run id ${RUN.runId}), ${OTHER.workflowId} (run id ${OTHER.runId}) are still open after --wait 2m, ` +
        "left by a deleted schedule of this rule; a new schedule's runs would write beside them. " +
        'Apply again once they have finished, or with --terminate to end them.',
    );
  });
});

test("apply's text says which runs ended first and why a rule was refused", () => {
  const outcomes: ApplyOutcome[] = [
    { ruleId: 'a', action: 'created', openRuns: { workflowIds: [RUN.workflowId], how: 'finished' } },
    { ruleId: 'b', action: 'deleted', openRuns: { workflowIds: [OTHER.workflowId], how: 'terminated' } },
    { ruleId: 'c', action: 'refused', reason: 'not created: x' },
    { ruleId: 'd', action: 'deleted' },
  ];
  expect(applyText(outcomes).split('\n')).toEqual([
    `created   a (after ${RUN.workflowId} finished)`,
    `deleted   b (terminated ${OTHER.workflowId})`,
    'refused   c: not created: x',
    'deleted   d',
  ]);
});
