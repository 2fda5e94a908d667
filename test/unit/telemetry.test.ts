import { jsonLogLine, redactFromLogs } from '../../src/worker/telemetry';

const entry = (message: string, meta: Record<string, unknown>) => ({
  level: 'INFO' as const,
  message,
  timestampNanos: 1_773_146_000_000_000_000n,
  meta,
});

test('a log line is one JSON object with time, level, message, rule, workflow and run IDs', () => {
  const line = jsonLogLine(
    entry('Activity failed', {
      workflowId: 'collect-acme-audit-2026-03-10T12:30:00Z',
      workflowRunId: '0195f0c2-7d1a-7c3e-9b7a-1f2e3d4c5b6a',
      activityType: 'collectBatch',
      taskToken: 'CiQ...',
      error: Object.assign(new Error('answered 401'), { type: 'AtlassianUnauthorized' }),
    }),
  );
  expect(line).not.toContain('\n');
  expect(JSON.parse(line)).toEqual({
    time: '2026-03-10T12:33:20.000Z',
    level: 'INFO',
    message: 'Activity failed',
    ruleId: 'acme-audit',
    workflowId: 'collect-acme-audit-2026-03-10T12:30:00Z',
    runId: '0195f0c2-7d1a-7c3e-9b7a-1f2e3d4c5b6a',
    activityType: 'collectBatch',
    error: { name: 'Error', message: 'answered 401', type: 'AtlassianUnauthorized' },
  });
});

test('a secret the worker has resolved is masked wherever it appears', () => {
  redactFromLogs('top-secret-key-123');
  const line = jsonLogLine(entry('oops top-secret-key-123', { detail: { nested: 'x top-secret-key-123 y' } }));
  expect(line).not.toContain('top-secret-key-123');
  expect(JSON.parse(line).message).toBe('oops [redacted]');
});
