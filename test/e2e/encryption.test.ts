// Optional payload encryption on the real dev server: histories hold ciphertext; the codec server
// the Web UI calls turns it back into the rule, and collection works as usual; keys rotate.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA, encryptionKeyIdOf, toJson } from '../../src/secrets/encryption';
import { startSimulator, type Simulator } from '../../dev/simulator/server';
import { scheduleId } from '../../src/model/ids';
import { ChildWorker } from '../helpers/child-worker';
import { stopAll, stopProcess } from '../helpers/processes';
import { writeRulesFile } from '../helpers/rules-file';
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
  ATLASSIAN_ENC_API_KEY: API_KEY,
};

// Key rotation: rules on their own task queue, with workers deployed with key A, then with B (A old).
const KEY_A = randomBytes(32).toString('base64');
const KEY_B = randomBytes(32).toString('base64');
const ROTATE_BASE = { ...ENV, AUDIT_COLLECT_TASK_QUEUE: 'audit-collect-rotate' };
const ONLY_A = { ...ROTATE_BASE, AUDIT_COLLECT_ENCRYPTION_KEY: KEY_A, AUDIT_COLLECT_ENCRYPTION_KEY_ID: 'rot-a' };
const B_WITH_OLD_A = {
  ...ROTATE_BASE,
  AUDIT_COLLECT_ENCRYPTION_KEY: KEY_B,
  AUDIT_COLLECT_ENCRYPTION_KEY_ID: 'rot-b',
  AUDIT_COLLECT_ENCRYPTION_OLD_KEYS: `rot-a:${KEY_A}`,
};
const ONLY_B = { ...ROTATE_BASE, AUDIT_COLLECT_ENCRYPTION_KEY: KEY_B, AUDIT_COLLECT_ENCRYPTION_KEY_ID: 'rot-b' };
const ROTATE_RULES = ['enc-rotate', 'enc-stuck'];

let sim: Simulator;
let client: Client;
const worker = new ChildWorker(ENV);
const workerA = new ChildWorker(ONLY_A);
const workerB = new ChildWorker(B_WITH_OLD_A);
let codecServer: ChildProcess | undefined;

const encConnection = () => ({ name: 'enc', orgId: ORG, apiKey: 'env:ATLASSIAN_ENC_API_KEY', baseUrl: sim.url });

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, orgs: [{ orgId: ORG, apiKeys: [API_KEY], events: 500 }], rateLimitPerMinute: 0 });
  client = await temporalClient(); // no codec: sees what the server stores
  await createBucket(BUCKET);
  await worker.start();
});

afterAll(async () => {
  // Other test files list schedules without the key: leave no encrypted memo behind.
  await runCli(['delete', 'enc-audit'], ENV);
  for (const ruleId of ROTATE_RULES) await runCli(['delete', ruleId], B_WITH_OLD_A);
  await stopAll(
    () => workerA.kill('SIGTERM'),
    () => workerB.kill('SIGTERM'),
    () => stopProcess(codecServer),
    () => worker.kill('SIGTERM'),
    () => sim?.close(),
    () => client?.connection.close(),
  );
});

test('encrypted histories, clear results for key holders, and a codec server for the Web UI', async () => {
  const file = writeRulesFile({
    connections: [encConnection()],
    rules: [{ id: 'enc-audit', connection: 'enc', bucket: BUCKET, prefix: 'enc/', interval: '1h' }],
  });
  expect((await runCli(['apply', file], ENV)).code).toBe(0);
  const triggered = await runCli(['trigger', 'enc-audit', '--wait', '--json'], ENV);
  expect(triggered.code).toBe(0);
  expect(JSON.parse(triggered.stdout).run.result.run.events).toBe(500);
  expect(await readEvents(BUCKET, 'enc/')).toHaveLength(500);

  // Listing decodes memos, so it needs the key; the history is read raw, as the server stores it.
  const { dataConverterFromEnv } = await import('../../src/secrets/encryption');
  const keyHolder = new Client({ connection: client.connection, dataConverter: dataConverterFromEnv(ENV) });
  const executions = await (async () => {
    const found = [];
    for await (const e of keyHolder.workflow.list({ query: `RuleId = 'enc-audit'` })) found.push(e);
    return found;
  })();
  expect(executions.length).toBeGreaterThan(0);
  const execution = executions[0]!;
  const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
  const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!input) throw new Error("the run's first history event carries no input payload");
  expect(new TextDecoder().decode(input.metadata!.encoding!)).toBe(ENCRYPTED_ENCODING);
  expect(Buffer.from(input.data!).toString('latin1')).not.toContain(BUCKET);
  const completed = history.events!.find((e) => e.workflowExecutionCompletedEventAttributes)!;
  expect(new TextDecoder().decode(completed.workflowExecutionCompletedEventAttributes!.result!.payloads?.[0]?.metadata?.encoding)).toBe(
    ENCRYPTED_ENCODING,
  );

  // The codec server decodes the payload as the Web UI would ask it to.
  const { spawn } = await import('node:child_process');
  codecServer = spawn(process.execPath, [join(__dirname, '..', '..', 'bin', 'audit-collect'), 'codec-server', '--port', '0'], {
    env: { ...process.env, ...ENV },
  });
  const url = await new Promise<string>((resolve, reject) => {
    codecServer!.once('exit', (code) => reject(new Error(`codec server exited with ${code}`)));
    let err = '';
    codecServer!.stderr!.on('data', (d) => {
      err += d;
      const address = /codec server at (http:\/\/\S+);/.exec(err)?.[1];
      if (address) resolve(address);
    });
  });
  const res = await fetch(`${url}/decode`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: 'http://127.0.0.1:8233' },
    body: JSON.stringify({ payloads: [toJson(input as never)] }),
  });
  expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
  const decoded = ((await res.json()) as { payloads: Array<{ data: string }> }).payloads;
  expect(decoded).toHaveLength(1);
  const args = JSON.parse(Buffer.from(decoded[0]!.data, 'base64').toString('utf8'));
  expect(args.rule.destination.bucket).toBe(BUCKET);
  expect(JSON.stringify(args)).not.toContain(API_KEY);
});

function rulesFile(ruleIds: string[]): string {
  return writeRulesFile({
    connections: [encConnection()],
    rules: ruleIds.map((id) => ({ id, connection: 'enc', bucket: BUCKET, prefix: `${id}/`, interval: '1h' })),
  });
}

/** The schedule as the server stores it (no codec): the key ids its payloads carry. */
async function storedKeyIds(ruleId: string): Promise<{ action: Array<string | undefined>; memo: Array<string | undefined> }> {
  const raw = await client.workflowService.describeSchedule({ namespace: 'default', scheduleId: scheduleId(ruleId) });
  const start = raw.schedule!.action!.startWorkflow!;
  const input = start.input!.payloads!;
  // Only the rotation rules are read here: their input names one of the two rotation keys.
  expect(new TextDecoder().decode(input[0]?.metadata?.[KEY_ID_METADATA])).toMatch(/^rot-[ab]$/);
  return {
    action: [...input, ...Object.values(start.memo?.fields ?? {}), start.userMetadata?.summary, start.userMetadata?.details]
      .filter((p) => p != null)
      .map((p) => encryptionKeyIdOf(p!)),
    memo: Object.values(raw.memo?.fields ?? {}).map((p) => encryptionKeyIdOf(p)),
  };
}

async function statusJson(ruleId: string, env: Record<string, string>) {
  const out = await runCli(['status', ruleId, '--json'], env);
  expect(out).toMatchObject({ code: 0 });
  return JSON.parse(out.stdout);
}

test('keys rotate: apply re-encrypts schedules, old runs stay readable with the old key, a missing key is named as the reason', async () => {
  // Deployed with key A: one rule that will be rotated, one that will not.
  await workerA.start();
  expect(await runCli(['apply', rulesFile(ROTATE_RULES)], ONLY_A)).toMatchObject({ code: 0 });
  expect((await storedKeyIds('enc-rotate')).action).toEqual(expect.arrayContaining(['rot-a']));
  const first = await runCli(['trigger', 'enc-rotate', '--wait', '--json'], ONLY_A);
  expect(first.code).toBe(0);
  expect(JSON.parse(first.stdout).run.result.run.events).toBe(500);
  await workerA.kill('SIGTERM');

  // Key B becomes current, A stays as an old key: the run written with A still reads.
  await workerB.start();
  const before = await statusJson('enc-rotate', B_WITH_OLD_A);
  expect(before.unreadable).toBeUndefined();
  expect(before.lastSuccess.result.run.events).toBe(500);

  const applied = await runCli(['apply', rulesFile(['enc-rotate'])], B_WITH_OLD_A);
  expect(applied).toMatchObject({ code: 0, stdout: "updated   enc-rotate (re-encrypted: key 'rot-a' -> 'rot-b')\n" });
  const stored = await storedKeyIds('enc-rotate');
  expect(new Set(stored.action)).toEqual(new Set(['rot-b']));
  // Temporal cannot update a schedule's own memo: it keeps key A, and nothing needs to read it.
  expect(new Set(stored.memo)).toEqual(new Set(['rot-a']));
  expect((await runCli(['apply', rulesFile(['enc-rotate']), '--json'], B_WITH_OLD_A)).stdout).toContain('"unchanged"');

  // A run started after the apply is written with B only.
  const second = await runCli(['trigger', 'enc-rotate', '--wait', '--json'], B_WITH_OLD_A);
  expect(second.code).toBe(0);
  expect(JSON.parse(second.stdout).run.status).toBe('COMPLETED');

  // Key A dropped: the rotated rule reads as usual; the other one says which key it needs.
  const rotated = await statusJson('enc-rotate', ONLY_B);
  expect(rotated.unreadable).toBeUndefined();
  expect(rotated).toMatchObject({ displayName: 'enc-rotate', bucket: BUCKET, prefix: 'enc-rotate/', interval: '1h' });
  expect(rotated.lastSuccess.status).toBe('COMPLETED');
  const stuck = await statusJson('enc-stuck', ONLY_B);
  expect(stuck.unreadable.keyId).toBe('rot-a');
  expect(stuck.health.state).toBe('failing');
  const stuckText = await runCli(['status', 'enc-stuck'], ONLY_B);
  expect(stuckText.code).toBe(0);
  expect(stuckText.stdout).toMatch(
    /payloads are encrypted with key 'rot-a', which this process does not have \(it has 'rot-b'\): set AUDIT_COLLECT_ENCRYPTION_OLD_KEYS/,
  );
  expect(stuckText.stdout).not.toMatch(/\n\s+at /); // no stack trace
  const list = await runCli(['list'], ONLY_B);
  expect(list.code).toBe(0);
  expect(list.stdout).toMatch(/enc-stuck .*FAILING .*key 'rot-a', which this process does not have/);
  expect(list.stdout).toMatch(/enc-rotate /);
  const verify = await runCli(['verify', 'enc-stuck'], ONLY_B);
  expect(verify).toMatchObject({ code: 2, stderr: expect.stringContaining("key 'rot-a', which this process does not have") });

  // apply rebuilds an action it cannot read from the rules file, so it never fails on one.
  const recovered = await runCli(['apply', rulesFile(ROTATE_RULES)], ONLY_B);
  expect(recovered.stdout).toBe("unchanged enc-rotate\nupdated   enc-stuck (re-encrypted: key 'rot-a' -> 'rot-b')\n");
  expect((await statusJson('enc-stuck', ONLY_B)).unreadable).toBeUndefined();

  for (const value of [KEY_A, KEY_B]) {
    for (const out of [applied, recovered, stuckText, list, verify]) expect(out.stdout + out.stderr).not.toContain(value);
  }
});
