// Bad input table: each bad rules file or argument gives a clear error naming what is wrong,
// exits non-zero, and creates or changes no schedule on the real dev server. And a rule that gets
// past apply (a schedule made elsewhere) still cannot send its API key to another host.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { triggerRule } from '../../src/client/schedules';
import { scheduleId } from '../../src/model/ids';
import { rulesYaml, writeRulesFile, type ConnectionParams, type RuleParams } from '../helpers/rules-file';
import { createBucket, runCli, startWorker, temporalClient, useTestEnv } from '../helpers/servers';

const ORG = '4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4';
let client: Client;
let dir: string;

/** A valid file but for the overrides (the secret check still needs ATLASSIAN_BAD_INPUT_KEY set). */
function file(o: { connection?: Partial<ConnectionParams>; rule?: Partial<RuleParams> } = {}): string {
  return rulesYaml({
    connections: [{ name: 'acme', orgId: ORG, apiKey: 'env:ATLASSIAN_BAD_INPUT_KEY', ...o.connection }],
    rules: [{ id: 'bad-input-rule', connection: 'acme', bucket: 'audit-logs', prefix: 'atlassian/audit/', ...o.rule }],
  });
}

const CASES: Array<{ name: string; yaml: string; expect: RegExp; env?: Record<string, string> }> = [
  { name: 'malformed YAML', yaml: 'connections:\n  - name: acme\n   orgId: [unclosed', expect: /YAML:/ },
  { name: 'unknown connection', yaml: file({ rule: { connection: 'nope' } }), expect: /rules\[0\]\.connection: unknown connection 'nope'/ },
  {
    name: 'invalid org ID',
    yaml: file({ connection: { orgId: '12345' } }),
    expect: /connections\[0\]\.orgId: must be the organization UUID/,
  },
  {
    name: 'bucket name with capitals',
    yaml: file({ rule: { bucket: 'Audit_Logs' } }),
    expect: /rules\[0\]\.destination\.bucket: must be a valid S3 bucket name/,
  },
  { name: 'bucket name too short', yaml: file({ rule: { bucket: 'ab' } }), expect: /rules\[0\]\.destination\.bucket/ },
  {
    name: 'prefix with ..',
    yaml: file({ rule: { prefix: 'atlassian/../audit/' } }),
    expect: /rules\[0\]\.destination\.prefix: must not contain \. or \.\. segments/,
  },
  {
    name: 'prefix with a leading /',
    yaml: file({ rule: { prefix: '/atlassian/audit/' } }),
    expect: /rules\[0\]\.destination\.prefix: must not start with \//,
  },
  { name: 'interval under 1 minute', yaml: file({ rule: { interval: '30s' } }), expect: /rules\[0\]\.interval: must be at least 1m/ },
  {
    name: 'startFrom beyond 180 days',
    yaml: file({ rule: { startFrom: '200d' } }),
    expect: /rules\[0\]\.startFrom: must be within the 180 days/,
  },
  {
    name: 'API key given as a value',
    yaml: file({ connection: { apiKey: 'ATATT3xFfGF0-literal-key' } }),
    expect: /connections\[0\]\.apiKey: must be a reference/,
  },
  {
    name: 'secret variable missing',
    yaml: file(),
    expect: /apiKey env:ATLASSIAN_BAD_INPUT_KEY: the environment variable ATLASSIAN_BAD_INPUT_KEY is not set/,
    env: { ATLASSIAN_BAD_INPUT_KEY: '' },
  },
  {
    name: 'secret file missing',
    yaml: file({ connection: { apiKey: 'file:/nonexistent/atlassian-key' } }),
    expect: /apiKey file:\/nonexistent\/atlassian-key: the file does not exist/,
    env: { AUDIT_COLLECT_SECRETS_DIR: '/nonexistent' },
  },
  {
    name: 'secret file without AUDIT_COLLECT_SECRETS_DIR',
    yaml: file({ connection: { apiKey: 'file:/run/secrets/atlassian' } }),
    expect:
      /apiKey file:\/run\/secrets\/atlassian: the worker resolves file: references only inside AUDIT_COLLECT_SECRETS_DIR, which is not set here/,
    env: { AUDIT_COLLECT_SECRETS_DIR: '' },
  },
  {
    name: 'baseUrl on a host outside AUDIT_COLLECT_ALLOWED_API_HOSTS',
    yaml: file({ connection: { baseUrl: 'https://collector.evil.example/atlassian' } }),
    expect:
      /connection 'acme': baseUrl https:\/\/collector\.evil\.example: the API key is sent only to a host in AUDIT_COLLECT_ALLOWED_API_HOSTS \(api\.atlassian\.com\) or to a loopback host, and collector\.evil\.example is neither/,
    env: { AUDIT_COLLECT_ALLOWED_API_HOSTS: '' },
  },
];

async function scheduleIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const s of client.schedule.list()) ids.push(s.scheduleId);
  return ids.sort();
}

beforeAll(async () => {
  // The in-process worker's S3 client reads the region and endpoint from this process's environment.
  useTestEnv();
  client = await temporalClient();
  dir = mkdtempSync(join(tmpdir(), 'audit-collect-bad-'));
});

afterAll(async () => client?.connection.close());

test.each(CASES)('$name: a clear error, exit 2, no schedule touched', async ({ name, yaml, expect: pattern, env }) => {
  const before = await scheduleIds();
  const path = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
  writeFileSync(path, yaml);
  const { code, stdout, stderr } = await runCli(['apply', path], { ATLASSIAN_BAD_INPUT_KEY: 'set', ...env });
  expect(stderr).toMatch(pattern);
  expect(stderr).toContain('No schedule was changed.');
  expect(stderr).not.toContain('ATATT3xFfGF0-literal-key');
  expect(stdout).toBe('');
  expect(code).toBe(2);
  expect(await scheduleIds()).toEqual(before);
});

test('bad CLI arguments name the problem and exit 2', async () => {
  expect(await runCli(['pause', 'some-rule'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--reason') });
  expect(await runCli(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'frobnicate'") });
  expect(await runCli(['verify', 'some-rule', '--from', 'yesterday'])).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('--from must be an ISO date'),
  });
  expect(await runCli(['status', 'no-such-rule'])).toMatchObject({
    code: 4,
    stderr: expect.stringContaining("no schedule for rule 'no-such-rule'"),
  });
});

test('a bad worker environment names each bad variable and exits 2', async () => {
  const { code, stderr } = await runCli(['worker'], {
    AUDIT_COLLECT_PAGE_LIMIT: '9000',
    AUDIT_COLLECT_S3_FORCE_PATH_STYLE: 'maybe',
    AUDIT_COLLECT_BATCH_SECONDS: '1h',
    AUDIT_COLLECT_PAGES_PER_BATCH: '5',
  });
  expect(stderr).toContain('AUDIT_COLLECT_PAGE_LIMIT');
  expect(stderr).toContain('AUDIT_COLLECT_S3_FORCE_PATH_STYLE');
  expect(stderr).toMatch(/AUDIT_COLLECT_BATCH_SECONDS: must be a whole number/);
  expect(stderr).toMatch(/AUDIT_COLLECT_PAGES_PER_BATCH: renamed AUDIT_COLLECT_PAGES_PER_OBJECT/);
  expect(code).toBe(2);
});

test('a schedule that would send the key to another host: the run pauses naming the allowlist, and nothing reaches that host', async () => {
  // 0.0.0.0 is not loopback by name, but a connection to it reaches this listener: a sent key would show.
  let connections = 0;
  const listener = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as AddressInfo).port;
  const ruleId = 'bad-input-other-host';
  const queue = { AUDIT_COLLECT_TASK_QUEUE: 'audit-collect-bad-input-hosts' };
  const bucket = 'bad-input-hosts';
  let worker: { stop(): Promise<void> } | undefined;
  try {
    await createBucket(bucket);
    const rulesFile = writeRulesFile({
      connections: [{ name: 'elsewhere', orgId: ORG, apiKey: 'env:ATLASSIAN_BAD_INPUT_KEY', baseUrl: `https://0.0.0.0:${port}` }],
      rules: [{ id: ruleId, connection: 'elsewhere', bucket, prefix: 'atlassian/audit/', interval: '1h', startFrom: '1h' }],
    });
    // The schedule as someone else might make it: here, with apply and a wider allowlist than the worker's.
    const applied = await runCli(['apply', rulesFile], {
      ...queue,
      ATLASSIAN_BAD_INPUT_KEY: 'set',
      AUDIT_COLLECT_ALLOWED_API_HOSTS: '0.0.0.0',
    });
    expect(applied).toMatchObject({ code: 0, stderr: '' });

    // The worker has the key (resolved from this process's environment) and the default allowlist.
    process.env.ATLASSIAN_BAD_INPUT_KEY = 'atlassian-key-5e0b7d';
    worker = await startWorker({ ...queue, AUDIT_COLLECT_ALLOWED_API_HOSTS: '' });
    const outcome = await triggerRule({ client, ruleId, wait: true, timeoutMs: 120_000 });
    expect(outcome).toMatchObject({ started: true, run: { status: 'FAILED' } });

    const { state } = await client.schedule.getHandle(scheduleId(ruleId)).describe();
    expect(state.paused).toBe(true);
    expect(state.note).toContain(
      `connection 'elsewhere': baseUrl https://0.0.0.0:${port}: the API key is sent only to a host in AUDIT_COLLECT_ALLOWED_API_HOSTS (api.atlassian.com) or to a loopback host, and 0.0.0.0 is neither`,
    );
    expect(state.note).not.toContain('atlassian-key-5e0b7d');
    expect(connections).toBe(0);

    // The listener would have seen a request.
    await fetch(`http://0.0.0.0:${port}/`).catch(() => undefined);
    expect(connections).toBe(1);
  } finally {
    delete process.env.ATLASSIAN_BAD_INPUT_KEY;
    await worker?.stop();
    await client.schedule
      .getHandle(scheduleId(ruleId))
      .delete()
      .catch(() => undefined);
    await new Promise((resolve) => listener.close(resolve));
  }
});
