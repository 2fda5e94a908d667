// npm run demo: the whole collector on this machine. Builds and starts the Temporal dev server and
// the S3 server, starts the Atlassian simulator, creates a bucket, applies a demo rule, runs a
// worker, and prints each run's events and object keys as they land. Ctrl-C stops all of it.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { cacheDir } from './infra/binaries';
import { LOCAL, startLocalServers } from './infra/cli';
import { connectClient } from '../src/temporal/client';
import { loadRules } from '../src/client/rules';
import { applyRules, triggerRule } from '../src/client/schedules';
import { scheduleId } from '../src/model/ids';
import { startSimulator } from './simulator/server';
import { DEMO_ORG_ID } from './simulator/cli';
import { readWorkerConfig } from '../src/worker/config';
import { createCollectorWorker } from '../src/worker/worker';
import type { CollectResult } from '../src/model/types';

const SIM_PORT = 8900;
const BUCKET = 'audit-logs';
const RULE_ID = 'acme-audit';
// The simulator's key; a demo value that only the local simulator accepts.
const DEMO_API_KEY = 'demo-org-api-key';

async function main() {
  const dir = join(cacheDir(), 'demo');
  rmSync(dir, { recursive: true, force: true });
  console.log('starting the Temporal dev server and the S3 server (the first run builds them)...');
  const servers = await startLocalServers(dir);
  const stops: Array<() => Promise<unknown>> = servers.map((s) => () => s.stop());
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping...');
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    Object.assign(process.env, {
      TEMPORAL_ADDRESS: `127.0.0.1:${LOCAL.temporalPort}`,
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${LOCAL.s3Port}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: LOCAL.s3AccessKey,
      AWS_SECRET_ACCESS_KEY: LOCAL.s3SecretKey,
      AUDIT_COLLECT_S3_FORCE_PATH_STYLE: 'true',
      ATLASSIAN_DEMO_API_KEY: DEMO_API_KEY,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });

    const sim = await startSimulator({ port: SIM_PORT, seed: 42, orgs: [{ orgId: DEMO_ORG_ID, apiKeys: [DEMO_API_KEY], events: 5000 }] });
    stops.push(() => sim.close());
    console.log(`Atlassian simulator on ${sim.url} with 5,000 events; new events arrive every 20 seconds`);
    const arrivals = setInterval(() => {
      const count = 5 + Math.floor(Math.random() * 40);
      void fetch(`${sim.url}/_sim/orgs/${DEMO_ORG_ID}/events`, {
        method: 'POST',
        body: JSON.stringify({ count, lateFraction: 0.1 }),
      }).catch(() => undefined);
    }, 20_000);
    stops.push(async () => clearInterval(arrivals));

    await new S3Client({ forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: BUCKET }));
    const rulesFile = join(dir, 'rules.yaml');
    writeFileSync(
      rulesFile,
      `connections:
  - name: demo
    orgId: ${DEMO_ORG_ID}
    apiKey: env:ATLASSIAN_DEMO_API_KEY
    baseUrl: ${sim.url}
rules:
  - id: ${RULE_ID}
    displayName: demo-org-atlassian-audit
    connection: demo
    destination: { bucket: ${BUCKET}, prefix: atlassian/audit/ }
    interval: 1m
    startFrom: 7d
`,
    );
    const client = await connectClient();
    const outcomes = await applyRules({ client, rules: loadRules(rulesFile), prune: false });
    console.log(`rules file ${rulesFile}: ${outcomes.map((o) => `${o.action} ${o.ruleId}`).join(', ')}`);

    Runtime.install({ logger: new DefaultLogger('WARN') });
    const worker = await createCollectorWorker({ config: readWorkerConfig() });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });

    console.log(`\nWeb UI: http://127.0.0.1:${LOCAL.uiPort}/namespaces/default/schedules/${scheduleId(RULE_ID)}`);
    console.log(`S3: s3://${BUCKET}/atlassian/audit/ at http://127.0.0.1:${LOCAL.s3Port} (key ${LOCAL.s3AccessKey})`);
    console.log(`CLI: TEMPORAL_ADDRESS=127.0.0.1:${LOCAL.temporalPort} ./bin/audit-collect status ${RULE_ID}`);
    console.log('runs every minute; Ctrl-C stops everything\n');

    await triggerRule({ client, ruleId: RULE_ID, wait: false });
    const seen = new Set<string>();
    for (;;) {
      const description = await client.schedule.getHandle(scheduleId(RULE_ID)).describe();
      for (const action of description.info.recentActions) {
        const { workflowId, firstExecutionRunId } = action.action.workflow;
        if (seen.has(firstExecutionRunId)) continue;
        const handle = client.workflow.getHandle(workflowId, firstExecutionRunId);
        const { status } = await handle.describe();
        if (status.name === 'RUNNING') continue;
        seen.add(firstExecutionRunId);
        if (status.name !== 'COMPLETED') {
          console.log(`${workflowId}: ${status.name}`);
          continue;
        }
        const result = (await handle.result()) as CollectResult;
        console.log(
          `${workflowId}: ${result.run.events} events in ${result.run.objects} objects; cursor at ${result.lastProcessedAt ?? '-'}; total ${result.totals.events}`,
        );
        for (const key of result.run.objectKeys) console.log(`  s3://${BUCKET}/${key}`);
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }
  } catch (error) {
    console.error(`demo: ${(error as Error).message}`);
    await stopAll(1);
  }
}

void main();
