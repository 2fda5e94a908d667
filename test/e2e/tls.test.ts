// Issue 11's proof that the worker and the CLI connect as the `temporal` CLI does, to a server with
// TLS: a TLS-terminating gRPC proxy of our own in front of the real dev server, requiring a client
// certificate (mTLS) or a bearer API key, with throwaway certificates made by `openssl`. Every CLI
// command and a worker run by `audit-collect worker` work through it; a wrong CA, a missing client
// certificate and a wrong API key each fail with their own message, and no key is ever printed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../dev/simulator/server';
import { ChildWorker } from '../helpers/child-worker';
import { stopAll } from '../helpers/processes';
import { writeRulesFile } from '../helpers/rules-file';
import { TEMPORAL_ADDRESS, createBucket, runCli, useTestEnv, type CliResult } from '../helpers/servers';
import { makeTestCerts, startTlsProxy, type TestCerts, type TlsProxy } from '../helpers/tls-proxy';

const ORG = '3b9d2f41-6c0e-4a8b-9e57-1d2c3b4a5f60';
const ATLASSIAN_KEY = 'tls-atlassian-api-key-6d02a9';
const TEMPORAL_KEY = 'tls-temporal-api-key-f41c8e2b';
const WRONG_KEY = 'tls-wrong-temporal-key-0a7d33';
const SERVER_NAME = 'temporal.audit-collect.test';
const BUCKET = 'audit-tls';
const EVENTS = 300;

let certs: TestCerts;
let mtlsProxy: TlsProxy;
let apiKeyProxy: TlsProxy;
let sim: Simulator;
let dir: string;
let secrets: string[];
const workers: ChildWorker[] = [];

/** mTLS, by the server's DNS name (TEMPORAL_TLS_SERVER_NAME) and certificate paths. */
function mtlsEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: mtlsProxy.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
    TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
    ...overrides,
  };
}

/** An API key over TLS, by IP address, with the CA given as data. */
function apiKeyEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: apiKeyProxy.address,
    TEMPORAL_API_KEY: TEMPORAL_KEY,
    TEMPORAL_TLS_SERVER_CA_CERT_DATA: readFileSync(certs.caCert, 'utf8'),
    ...overrides,
  };
}

function expectNoSecret(...outputs: string[]): void {
  for (const output of outputs) for (const secret of secrets) expect(output).not.toContain(secret);
}

async function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const result = await runCli(args, env);
  expectNoSecret(result.stdout, result.stderr);
  return result;
}

async function startWorker(env: Record<string, string>): Promise<ChildWorker> {
  const worker = new ChildWorker({
    ATLASSIAN_TLS_API_KEY: ATLASSIAN_KEY,
    AUDIT_COLLECT_METRICS_ADDRESS: 'off',
    AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '0',
    ...env,
  });
  workers.push(worker);
  await worker.start();
  return worker;
}

/** Starts a worker that must fail to connect; returns what it said. */
async function failingWorker(env: Record<string, string>): Promise<string> {
  const worker = new ChildWorker({ AUDIT_COLLECT_METRICS_ADDRESS: 'off', ...env });
  workers.push(worker);
  const error = await worker.start().then(
    () => new Error('the worker started'),
    (e: Error) => e,
  );
  expect(error.message).toMatch(/^worker exited with 1 while starting/);
  expectNoSecret(worker.log);
  return worker.log;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'audit-collect-tls-'));
  certs = makeTestCerts({ dir, serverName: SERVER_NAME });
  // The first line of the client key's base64 body (the line after its PEM header).
  const keyLine = readFileSync(certs.clientKey, 'utf8').split('\n')[1];
  if (!keyLine) throw new Error(`${certs.clientKey} is not a PEM key`);
  secrets = [ATLASSIAN_KEY, TEMPORAL_KEY, WRONG_KEY, keyLine];
  mtlsProxy = await startTlsProxy({
    upstream: TEMPORAL_ADDRESS,
    serverCert: certs.serverCert,
    serverKey: certs.serverKey,
    auth: { kind: 'mtls', clientCaCert: certs.caCert },
  });
  apiKeyProxy = await startTlsProxy({
    upstream: TEMPORAL_ADDRESS,
    serverCert: certs.serverCert,
    serverKey: certs.serverKey,
    auth: { kind: 'api-key', apiKey: TEMPORAL_KEY },
  });
  // No ~/.config/temporalio/temporal.toml of whoever runs the tests: an empty config file of our own.
  useTestEnv({ ATLASSIAN_TLS_API_KEY: ATLASSIAN_KEY, TEMPORAL_CONFIG_FILE: join(dir, 'empty.toml') });
  writeFileSync(join(dir, 'empty.toml'), '');
  sim = await startSimulator({ seed: 23, orgs: [{ orgId: ORG, apiKeys: [ATLASSIAN_KEY], events: EVENTS }], rateLimitPerMinute: 0 });
  await createBucket(BUCKET);
});

afterAll(() =>
  stopAll(
    ...workers.map((w) => () => w.kill('SIGTERM')),
    () => sim?.close(),
    () => mtlsProxy?.close(),
    () => apiKeyProxy?.close(),
    async () => dir && rmSync(dir, { recursive: true, force: true }),
  ),
);

describe.each([
  { mode: 'mTLS', env: () => mtlsEnv(), proxy: () => mtlsProxy },
  { mode: 'an API key', env: () => apiKeyEnv(), proxy: () => apiKeyProxy },
])('through the TLS proxy with $mode', ({ mode, env, proxy }) => {
  const slug = mode === 'mTLS' ? 'mtls' : 'apikey';
  const rule = `tls-${slug}`;
  // A task queue of its own: the run can only have been done by the worker connected through this proxy.
  const queue = { AUDIT_COLLECT_TASK_QUEUE: `audit-collect-tls-${slug}` };

  test('the worker and every CLI command work', async () => {
    const before = proxy().forwarded;
    const worker = await startWorker({ ...env(), ...queue });
    const rulesFile = writeRulesFile({
      connections: [{ name: 'tls', orgId: ORG, apiKey: 'env:ATLASSIAN_TLS_API_KEY', baseUrl: sim.url }],
      rules: [{ id: rule, connection: 'tls', bucket: BUCKET, prefix: `${slug}/`, interval: '1h' }],
    });
    const run = (...args: string[]) => cli(args, { ...env(), ...queue });

    const applied = await run('apply', rulesFile, '--json');
    expect(applied).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(applied.stdout)).toEqual([expect.objectContaining({ ruleId: rule })]);

    const triggered = await run('trigger', rule, '--wait', '--json');
    expect(triggered.code).toBe(0);
    expect(JSON.parse(triggered.stdout).run).toMatchObject({ status: 'COMPLETED', result: { run: { events: EVENTS } } });

    const list = await run('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${rule}\\s+OK\\s`, 'm'));

    const status = await run('status', rule, '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).health.eventsLast24h).toBe(EVENTS);

    expect(await run('pause', rule, '--reason', 'testing TLS')).toMatchObject({ code: 0, stdout: `paused ${rule}\n` });
    expect(JSON.parse((await run('status', rule, '--json')).stdout).health.pauseReason).toBe('testing TLS');
    expect(await run('resume', rule)).toMatchObject({ code: 0, stdout: `resumed ${rule}\n` });
    expect((await run('delete', rule)).code).toBe(0);
    expect((await run('status', rule)).code).toBe(4);

    // Every call went through the proxy: the dev server itself speaks no TLS.
    expect(proxy().forwarded - before).toBeGreaterThan(20);
    await worker.kill('SIGTERM');
  });
});

test('a profile of the `temporal config` file (TEMPORAL_PROFILE) sets the address, TLS and the client certificate', async () => {
  const file = join(dir, 'temporal.toml');
  writeFileSync(
    file,
    `[profile.default]\naddress = "127.0.0.1:1"\n\n[profile.tls-test]\naddress = "${mtlsProxy.address}"\nnamespace = "default"\n[profile.tls-test.tls]\nserver_name = "${SERVER_NAME}"\nserver_ca_cert_path = "${certs.caCert}"\nclient_cert_path = "${certs.clientCert}"\nclient_key_path = "${certs.clientKey}"\n`,
  );
  const before = mtlsProxy.forwarded;
  // TEMPORAL_ADDRESS empty: unset, so the profile's address counts.
  const result = await cli(['list'], {
    TEMPORAL_CONFIG_FILE: file,
    TEMPORAL_PROFILE: 'tls-test',
    TEMPORAL_ADDRESS: '',
    TEMPORAL_NAMESPACE: '',
  });
  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(mtlsProxy.forwarded).toBeGreaterThan(before);
});

describe('each misconfiguration fails with a message that names the fix (CLI exit 1, worker exit 1)', () => {
  const CASES: Array<{ name: string; env: () => Record<string, string>; message: RegExp }> = [
    {
      name: 'a wrong CA',
      env: () => mtlsEnv({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.otherCaCert }),
      message:
        /: the server's certificate is not trusted \(SELF_SIGNED_CERT_IN_CHAIN; issued by CN=audit-collect test ca\): set TEMPORAL_TLS_SERVER_CA_CERT_PATH \(or _DATA\) to the CA certificate that signed it$/m,
    },
    {
      name: 'no client certificate',
      env: () => mtlsEnv({ TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' }),
      message:
        /: the server requires a client certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH \(or _DATA\) and TEMPORAL_TLS_CLIENT_KEY_PATH \(or _DATA\)$/m,
    },
    {
      name: 'a wrong API key',
      env: () => apiKeyEnv({ TEMPORAL_API_KEY: WRONG_KEY }),
      message:
        /: TEMPORAL_API_KEY was rejected \(UNAUTHENTICATED: Request unauthorized\.\): set TEMPORAL_API_KEY to a valid, unexpired API key with access to namespace 'default'$/m,
    },
    {
      name: 'a server name the certificate does not carry',
      env: () => mtlsEnv({ TEMPORAL_TLS_SERVER_NAME: 'wrong.audit-collect.test' }),
      message:
        /: the server's certificate is not valid for the name 'wrong\.audit-collect\.test' \(it names DNS:temporal\.audit-collect\.test, IP Address:127\.0\.0\.1\): set TEMPORAL_TLS_SERVER_NAME to one of those names$/m,
    },
  ];

  test.each(CASES)('$name: the CLI', async ({ env, message }) => {
    for (const command of [['list'], ['status', 'tls-mtls']]) {
      const result = await cli(command, env());
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^audit-collect: cannot connect to the Temporal server at 127\.0\.0\.1:\d+: /);
      expect(result.stderr).toMatch(message);
    }
  });

  test.each(CASES)('$name: the worker', async ({ env, message }) => {
    expect(await failingWorker(env())).toMatch(message);
  });
});

test('a bad setting is named before any connection is tried (exit 2)', async () => {
  const result = await cli(['list'], mtlsEnv({ TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'missing.key') }));
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(
    `cannot read the client key at ${join(dir, 'missing.key')} (ENOENT): check TEMPORAL_TLS_CLIENT_KEY_PATH (or _DATA)`,
  );
});
