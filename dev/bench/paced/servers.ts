// What `npm run bench -- --paced` runs against: the Temporal dev server, the S3 server and the
// simulator enforcing 50 requests a minute, all on loopback, and one `audit-collect worker` with
// its default pacing. Ports and settings as dev/bench/main.ts uses them.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../../src/temporal/client';
import type { RuleDefinition } from '../../../src/client/rules';
import { ROOT, startChild, stopChild, tsNode } from '../shared/children';
import { LIMIT_PER_MINUTE } from './report';
import { ONE_ORG, Stops, benchPorts, oneRule, createBucket, startServers, startWorkerProcess, workerEnv } from '../shared/world';

const { orgId: ORG, simApiKey: SIM_API_KEY, apiKeyEnv: API_KEY_ENV, bucket: BUCKET } = ONE_ORG;
/** The seeded events reach this far back, so that a 7-day backfill has about 7/8 of them to read. */
const SEED_SPAN_DAYS = 8;

export interface PacedServers {
  client: Client;
  worker: ChildProcess;
  simUrl: string;
  orgId: string;
  dir: string;
  stop(): Promise<void>;
}

/** A rules file with one rule on the simulated org, loaded as `apply` loads it. */
export function rulesFor(params: { dir: string; simUrl: string; ruleId: string; interval: string; startFrom: string }): RuleDefinition[] {
  return oneRule({ ...params, prefix: `paced/${params.ruleId}/` });
}

export async function startPacedServers(params: {
  events: number;
  portOffset: number;
  log: (line: string) => void;
}): Promise<PacedServers> {
  const ports = benchPorts(params.portOffset);
  const stops = new Stops();
  const stop = () => stops.stopAll();
  try {
    const { dir } = await startServers({ name: 'bench-paced', ports, stops, log: params.log, what: 'the simulator' });
    const simArgs = ['--port', String(ports.sim), '--events', String(params.events), '--seed', '42'];
    simArgs.push('--seed-span-days', String(SEED_SPAN_DAYS), '--rate-limit', String(LIMIT_PER_MINUTE));
    const simulator = await startChild({
      name: 'simulator',
      ...tsNode(join(ROOT, 'dev', 'simulator', 'cli.ts'), simArgs, [
        `--max-old-space-size=${Math.max(2048, Math.ceil(params.events / 1000) * 12)}`,
      ]),
      env: { ...process.env, SIM_API_KEY },
      ready: /listening on/,
      timeoutMs: 10 * 60_000,
      logFile: join(dir, 'simulator.log'),
    });
    stops.push(() => stopChild(simulator, 'SIGTERM'));

    const env = workerEnv({ ports, extra: { [API_KEY_ENV]: SIM_API_KEY } });
    // The worker's own defaults: pacing at 50 a minute, 500 events a page, 10 pages an object.
    for (const name of [
      'AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE',
      'AUDIT_COLLECT_PAGE_LIMIT',
      'AUDIT_COLLECT_PAGES_PER_OBJECT',
      'AUDIT_COLLECT_BATCH_SECONDS',
    ])
      delete env[name];
    Object.assign(process.env, { TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS });
    await createBucket({ env, bucket: BUCKET });
    const client = await connectClient();
    stops.push(() => client.connection.close());
    const worker = await startWorkerProcess({ name: 'worker', env, logFile: join(dir, 'worker.log') });
    stops.push(() => stopChild(worker));
    return { client, worker, simUrl: `http://127.0.0.1:${ports.sim}`, orgId: ORG, dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
