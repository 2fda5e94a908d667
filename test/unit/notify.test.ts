// The notify activity against a local HTTP receiver on 127.0.0.1: the JSON and Slack payloads,
// retries on a 500, giving up on the last attempt, and no secret in a body or an error.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { createNotifyActivities, type Notice, type NotifierSettings } from '../../src/activities/notify';
import { SettingsError } from '../../src/common/settings-error';
import { readWorkerConfig } from '../../src/worker/config';

const API_KEY = 'ATATT3xFfGF0-the-api-key-value';
const TOKEN = 'T000/B000/XXXXwebhooktoken';

const notice: Notice = {
  kind: 'paused',
  ruleId: 'acme-audit',
  displayName: 'my-org-atlassian-audit',
  orgId: '4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4',
  reason:
    "rule acme-audit: Atlassian org 4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4 (connection 'acme') answered 401 Unauthorized: create a new API key, store it where env:ATLASSIAN_API_KEY points on the worker, then resume the rule.",
};

interface Received {
  path: string;
  contentType: string | undefined;
  body: string;
}

let server: Server;
let baseUrl: string;
const received: Received[] = [];
/** What the receiver answers next, one status per request; 200 once the list is empty. */
const statuses: number[] = [];

beforeAll(async () => {
  process.env.ATLASSIAN_API_KEY = API_KEY;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
      res.writeHead(statuses.shift() ?? 200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  delete process.env.ATLASSIAN_API_KEY;
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
  statuses.length = 0;
});

const settings = (over: Partial<NotifierSettings> = {}): NotifierSettings => ({
  webhookUrl: `${baseUrl}/hooks/${TOKEN}`,
  format: 'json',
  webUiUrl: 'http://127.0.0.1:8233/',
  ...over,
});

function activityEnv(params: { attempt?: number; logs?: LogEntry[] } = {}) {
  const logger = new DefaultLogger('DEBUG', (entry) => params.logs?.push(entry));
  return new MockActivityEnvironment(
    {
      attempt: params.attempt ?? 1,
      namespace: 'default',
      workflowExecution: { workflowId: 'collect-acme-audit-2026-12-01T16:15:00Z', runId: 'run-1' },
      retryPolicy: { maximumAttempts: 10 },
    },
    { logger },
  );
}

const LINK = 'http://127.0.0.1:8233/namespaces/default/workflows/collect-acme-audit-2026-12-01T16%3A15%3A00Z';

test('the JSON payload: rule, org, reason, the fix and the Web UI link, posted as application/json', async () => {
  const { notify } = createNotifyActivities({ notifier: settings() });
  await expect(activityEnv().run(notify, notice)).resolves.toEqual({ sent: true });
  expect(received).toHaveLength(1);
  expect(received[0]!.path).toBe(`/hooks/${TOKEN}`);
  expect(received[0]!.contentType).toBe('application/json');
  const body = JSON.parse(received[0]!.body);
  expect(body).toEqual({
    source: 'audit-collect',
    kind: 'paused',
    ruleId: 'acme-audit',
    displayName: 'my-org-atlassian-audit',
    orgId: notice.orgId,
    reason: notice.reason,
    fix: 'Fix the cause named in the reason, then resume the rule: audit-collect resume acme-audit',
    workflowId: 'collect-acme-audit-2026-12-01T16:15:00Z',
    webUi: LINK,
    at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
  });
  expect(received[0]!.body).not.toContain(API_KEY);
  expect(received[0]!.body).not.toContain(TOKEN);
});

test('the Slack payload is { text } alone, with the same facts', async () => {
  const { notify } = createNotifyActivities({ notifier: settings({ format: 'slack' }) });
  await activityEnv().run(notify, {
    ...notice,
    kind: 'failing' as const,
    reason: 'batch 3 has been retrying for more than 2 intervals (2 x 5m)',
  });
  const body = JSON.parse(received[0]!.body);
  expect(Object.keys(body)).toEqual(['text']);
  expect(body.text).toBe(
    [
      '[audit-collect] rule acme-audit (my-org-atlassian-audit) has been failing for more than two intervals',
      `Org: ${notice.orgId}`,
      'Reason: batch 3 has been retrying for more than 2 intervals (2 x 5m)',
      "Fix: The batch is retried until it succeeds: fix the cause (audit-collect status acme-audit, or the run's pending activity in the Web UI) and the run carries on by itself, no resume needed.",
      `Run: <${LINK}|collect-acme-audit-2026-12-01T16:15:00Z>`,
    ].join('\n'),
  );
  expect(received[0]!.body).not.toContain(API_KEY);
  expect(received[0]!.body).not.toContain(TOKEN);
});

test("a failing notice adds the error the batch last met, read from the run's pending activity", async () => {
  const described: string[] = [];
  const client = {
    // What the worker calls around an activity with a client.
    withAbortSignal: <R>(_signal: AbortSignal, fn: () => Promise<R>) => fn(),
    workflow: {
      getHandle: (workflowId: string) => ({
        describe: async () => {
          described.push(workflowId);
          return {
            raw: {
              pendingActivities: [
                {
                  activityType: { name: 'collectBatch' },
                  attempt: 7,
                  lastFailure: {
                    message: 'Atlassian org 4c2f… did not answer: ECONNREFUSED',
                    applicationFailureInfo: { type: 'NetworkError' },
                  },
                },
              ],
            },
          };
        },
      }),
    },
  } as unknown as Client;
  const { notify } = createNotifyActivities({ notifier: settings() });
  const env = new MockActivityEnvironment(
    { namespace: 'default', workflowExecution: { workflowId: 'collect-acme-audit-2026-12-01T16:15:00Z', runId: 'run-1' } },
    { client, logger: new DefaultLogger('ERROR') },
  );
  await env.run(notify, {
    ...notice,
    kind: 'failing' as const,
    reason: 'batch 1 has been retrying for more than 2 intervals (2 x 5m); it keeps retrying',
  });
  expect(described).toEqual(['collect-acme-audit-2026-12-01T16:15:00Z']);
  expect(JSON.parse(received[0]!.body).reason).toBe(
    'batch 1 has been retrying for more than 2 intervals (2 x 5m); it keeps retrying; last error (attempt 7): NetworkError: Atlassian org 4c2f… did not answer: ECONNREFUSED',
  );
});

test('a 500 throws a retryable failure (Temporal retries it) that names no URL; the next attempt delivers', async () => {
  const { notify } = createNotifyActivities({ notifier: settings() });
  statuses.push(500);
  const error = await activityEnv({ attempt: 1 })
    .run(notify, notice)
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect((error as ApplicationFailure).nonRetryable).toBe(false);
  expect((error as ApplicationFailure).message).toBe('the notifier webhook answered HTTP 500');
  await expect(activityEnv({ attempt: 2 }).run(notify, notice)).resolves.toEqual({ sent: true });
  expect(received).toHaveLength(2);
});

test('on the last attempt the retry policy allows, it gives up with a log line instead of failing', async () => {
  const { notify } = createNotifyActivities({ notifier: settings() });
  statuses.push(503);
  const logs: LogEntry[] = [];
  await expect(activityEnv({ attempt: 10, logs }).run(notify, notice)).resolves.toEqual({ sent: false });
  const warning = logs.find((entry) => entry.message === 'notice not delivered; giving up');
  expect(warning?.meta).toMatchObject({
    ruleId: 'acme-audit',
    kind: 'paused',
    attempts: 10,
    error: 'the notifier webhook answered HTTP 503',
  });
  expect(JSON.stringify(logs.map(({ message, meta }) => ({ message, meta })))).not.toContain(TOKEN);
});

test('an unreachable webhook is retryable, and the error names neither the URL nor its token', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const { notify } = createNotifyActivities({ notifier: settings({ webhookUrl: `http://127.0.0.1:${port}/hooks/${TOKEN}` }) });
  const error = (await activityEnv()
    .run(notify, notice)
    .catch((e: unknown) => e)) as ApplicationFailure;
  expect(error.type).toBe('NotifyUnreachable');
  expect(error.message).toBe('the notifier webhook did not answer: TypeError (ECONNREFUSED)');
});

test('with no webhook configured it posts nothing and says so', async () => {
  const { notify } = createNotifyActivities({ notifier: settings({ webhookUrl: undefined }) });
  await expect(activityEnv().run(notify, notice)).resolves.toEqual({ sent: false });
  await expect(activityEnv().run(createNotifyActivities({}).notify, notice)).resolves.toEqual({ sent: false });
  expect(received).toEqual([]);
});

describe('worker settings', () => {
  test('a webhook must be https, or http to a loopback host; the error names the variable, not the URL', () => {
    expect(() => readWorkerConfig({ AUDIT_COLLECT_NOTIFY_WEBHOOK_URL: `http://hooks.example.com/services/${TOKEN}` })).toThrow(
      new SettingsError(
        'invalid worker environment:\n  AUDIT_COLLECT_NOTIFY_WEBHOOK_URL: must be an https:// URL (http:// only to a loopback host: 127.0.0.0/8, localhost, [::1])',
      ),
    );
    expect(() => readWorkerConfig({ AUDIT_COLLECT_NOTIFY_FORMAT: 'teams' })).toThrow(/AUDIT_COLLECT_NOTIFY_FORMAT: Invalid enum value/);
    const config = readWorkerConfig({
      AUDIT_COLLECT_NOTIFY_WEBHOOK_URL: `https://hooks.slack.com/services/${TOKEN}`,
      AUDIT_COLLECT_NOTIFY_FORMAT: 'slack',
    });
    expect(config).toMatchObject({ AUDIT_COLLECT_NOTIFY_FORMAT: 'slack', AUDIT_COLLECT_WEB_UI: 'http://127.0.0.1:8233' });
    expect(readWorkerConfig({ AUDIT_COLLECT_NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9000/hook' }).AUDIT_COLLECT_NOTIFY_WEBHOOK_URL).toBe(
      'http://127.0.0.1:9000/hook',
    );
    expect(readWorkerConfig({}).AUDIT_COLLECT_NOTIFY_WEBHOOK_URL).toBeUndefined();
  });
});
