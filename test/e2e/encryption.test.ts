// Optional payload encryption on the real dev server: histories hold ciphertext; the codec server
// the Web UI calls turns it back into the rule, and collection works as usual.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { ENCRYPTED_ENCODING, toJson } from '../../common/encryption';
import { startSimulator, type Simulator } from '../../simulator/server';
import { ChildWorker } from '../helpers/child-worker';
import { createBucket, readEvents, runCli, temporalClient } from '../helpers/servers';

const ORG = '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b';
const API_KEY = 'encryption-suite-api-key-91c3';
const BUCKET = 'audit-encrypted';
const ENV = {
  AUDIT_COLLECT_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  AUDIT_COLLECT_ENCRYPTION_KEY_ID: 'test-key',
  AUDIT_COLLECT_TASK_QUEUE: 'audit-collect-encrypted',
  AUDIT_COLLECT_METRICS_ADDRESS: 'off',
  AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '0',
  ENC_ATLASSIAN_API_KEY: API_KEY,
};

let sim: Simulator;
let client: Client;
const worker = new ChildWorker(ENV);
let codecServer: ReturnType<typeof import('node:child_process').spawn> | undefined;

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, orgs: [{ orgId: ORG, apiKeys: [API_KEY], events: 500 }], rateLimitPerMinute: 0 });
  client = await temporalClient(); // no codec: sees what the server stores
  await createBucket(BUCKET);
  await worker.start();
});

afterAll(async () => {
  // Other test files list schedules without the key: leave no encrypted memo behind.
  await runCli(['delete', 'enc-audit'], ENV);
  codecServer?.kill();
  await worker.kill('SIGTERM');
  await sim?.close();
  await client?.connection.close();
});

test('encrypted histories, clear results for key holders, and a codec server for the Web UI', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'audit-collect-enc-')), 'rules.yaml');
  writeFileSync(
    file,
    `connections:
  - { name: enc, orgId: ${ORG}, apiKey: env:ENC_ATLASSIAN_API_KEY, baseUrl: ${sim.url} }
rules:
  - { id: enc-audit, connection: enc, destination: { bucket: ${BUCKET}, prefix: enc/ }, interval: 1h }
`,
  );
  expect((await runCli(['apply', file], ENV)).code).toBe(0);
  const triggered = await runCli(['trigger', 'enc-audit', '--wait', '--json'], ENV);
  expect(triggered.code).toBe(0);
  expect(JSON.parse(triggered.stdout).run.result.run.events).toBe(500);
  expect(await readEvents(BUCKET, 'enc/')).toHaveLength(500);

  // Listing decodes memos, so it needs the key; the history is read raw, as the server stores it.
  const { dataConverterFromEnv } = await import('../../common/encryption');
  const keyHolder = new Client({ connection: client.connection, dataConverter: dataConverterFromEnv(ENV) });
  const [execution] = await (async () => {
    const found = [];
    for await (const e of keyHolder.workflow.list({ query: `RuleId = 'enc-audit'` })) found.push(e);
    return found;
  })();
  const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
  const input = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
  expect(new TextDecoder().decode(input.metadata!.encoding!)).toBe(ENCRYPTED_ENCODING);
  expect(Buffer.from(input.data!).toString('latin1')).not.toContain(BUCKET);
  const completed = history.events!.find((e) => e.workflowExecutionCompletedEventAttributes)!;
  expect(new TextDecoder().decode(completed.workflowExecutionCompletedEventAttributes!.result!.payloads![0].metadata!.encoding!)).toBe(ENCRYPTED_ENCODING);

  // The codec server decodes the payload as the Web UI would ask it to.
  const { spawn } = await import('node:child_process');
  codecServer = spawn(process.execPath, [join(__dirname, '..', '..', 'bin', 'audit-collect'), 'codec-server', '--port', '0'], { env: { ...process.env, ...ENV } });
  const url = await new Promise<string>((resolve, reject) => {
    codecServer!.once('exit', (code) => reject(new Error(`codec server exited with ${code}`)));
    let err = '';
    codecServer!.stderr!.on('data', (d) => {
      err += d;
      const match = /codec server at (http:\/\/\S+);/.exec(err);
      if (match) resolve(match[1]);
    });
  });
  const res = await fetch(`${url}/decode`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: 'http://127.0.0.1:8233' },
    body: JSON.stringify({ payloads: [toJson(input as never)] }),
  });
  expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
  const decoded = ((await res.json()) as { payloads: Array<{ data: string }> }).payloads[0];
  const args = JSON.parse(Buffer.from(decoded.data, 'base64').toString('utf8'));
  expect(args.rule.destination.bucket).toBe(BUCKET);
  expect(JSON.stringify(args)).not.toContain(API_KEY);
});
