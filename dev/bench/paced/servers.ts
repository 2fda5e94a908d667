// What `npm run bench -- --paced` runs against: the Temporal dev server, the S3 server, the org
// simulator enforcing 50 requests a minute and the Jira site simulator with a budget of 50 requests
// a minute, all on loopback, and one `audit-collect worker` with
// its default pacing. Ports and settings as dev/bench/main.ts uses them.
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../../src/temporal/client';
import { loadRules, type RuleDefinition } from '../../../src/client/rules';
import { ROOT, startChild, stopChild, tsNode } from '../shared/children';
import { LIMIT_PER_MINUTE, SITE_LIMIT_PER_MINUTE } from './report';
import { ONE_ORG, Stops, benchPorts, oneRule, createBucket, startServers, startWorkerProcess, workerEnv } from '../shared/world';

const { orgId: ORG, simApiKey: SIM_API_KEY, apiKeyEnv: API_KEY_ENV, bucket: BUCKET } = ONE_ORG;
/** The seeded events reach this far back, so that a 7-day backfill has about 7/8 of them to read. */
const SEED_SPAN_DAYS = 8;

/** The simulated Jira site of the site phase, and its account. */
export const SITE = {
  name: 'acme',
  email: 'audit-bot@acme.example',
  // A value only the local site simulator accepts; it never leaves this machine.
  apiToken: 'bench-site-token',
  tokenEnv: 'ATLASSIAN_BENCH_JIRA_TOKEN',
  /** How far back its seeded records reach. */
  seedSpanDays: 3,
} as const;

export interface PacedServers {
  client: Client;
  worker: ChildProcess;
  /** The org simulator; absent with --skip-org. */
  simUrl: string | undefined;
  orgId: string;
  /** The Jira site simulator; absent with --site-records 0. */
  siteUrl: string | undefined;
  /** When the site simulator seeded its records (they end a second before). */
  siteStartedMs: number;
  dir: string;
  stop(): Promise<void>;
}

/** A rules file with one rule on the simulated org, loaded as `apply` loads it. */
export function rulesFor(params: { dir: string; simUrl: string; ruleId: string; interval: string; startFrom: string }): RuleDefinition[] {
  return oneRule({ ...params, prefix: `paced/${params.ruleId}/` });
}

/** A rules file with one rule on the simulated Jira site, loaded as `apply` loads it. */
export function siteRulesFor(params: {
  dir: string;
  siteUrl: string;
  ruleId: string;
  interval: string;
  startFrom: string;
}): RuleDefinition[] {
  const file = join(params.dir, `${params.ruleId}.yaml`);
  writeFileSync(
    file,
    `connections:
  - name: site
    source: jira-site
    baseUrl: ${params.siteUrl}
    email: ${SITE.email}
    apiToken: env:${SITE.tokenEnv}
rules:
  - id: ${params.ruleId}
    connection: site
    destination: { bucket: ${BUCKET}, prefix: paced/${params.ruleId}/ }
    interval: ${params.interval}
    startFrom: ${params.startFrom}
`,
  );
  return loadRules(file);
}

export async function startPacedServers(params: {
  /** Events in the org simulator; 0: no org simulator. */
  events: number;
  /** Records in the Jira site simulator's log; 0: no site simulator. */
  siteRecords: number;
  portOffset: number;
  log: (line: string) => void;
}): Promise<PacedServers> {
  const ports = benchPorts(params.portOffset);
  const stops = new Stops();
  const stop = () => stops.stopAll();
  try {
    const { dir } = await startServers({ name: 'bench-paced', ports, stops, log: params.log, what: 'the simulators' });
    let simUrl: string | undefined;
    if (params.events > 0) {
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
      simUrl = `http://127.0.0.1:${ports.sim}`;
    }
    let siteUrl: string | undefined;
    let siteStartedMs = 0;
    if (params.siteRecords > 0) {
      // The org simulator's port + 10: 28910 with no offset.
      const sitePort = ports.sim + 10;
      const siteArgs = ['--port', String(sitePort), '--product', 'jira', '--site', SITE.name, '--email', SITE.email];
      siteArgs.push('--records', String(params.siteRecords), '--seed', '42', '--seed-span-days', String(SITE.seedSpanDays));
      siteArgs.push('--requests-per-minute', String(SITE_LIMIT_PER_MINUTE));
      const site = await startChild({
        name: 'site simulator',
        ...tsNode(join(ROOT, 'dev', 'simulator', 'site-cli.ts'), siteArgs, [
          `--max-old-space-size=${Math.max(2048, Math.ceil(params.siteRecords / 1000) * 12)}`,
        ]),
        env: { ...process.env, SIM_API_TOKEN: SITE.apiToken },
        ready: /listening on/,
        timeoutMs: 10 * 60_000,
        logFile: join(dir, 'site-simulator.log'),
      });
      siteStartedMs = Date.now();
      stops.push(() => stopChild(site, 'SIGTERM'));
      siteUrl = `http://127.0.0.1:${sitePort}`;
    }

    const env = workerEnv({ ports, extra: { [API_KEY_ENV]: SIM_API_KEY, [SITE.tokenEnv]: SITE.apiToken } });
    // The worker's own defaults: pacing at 50 a minute (per org, per site), 500 events (site records)
    // a page, 10 pages an object, a settle window of 60 s for site records.
    for (const name of [
      'AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE',
      'AUDIT_COLLECT_PAGE_LIMIT',
      'AUDIT_COLLECT_PAGES_PER_OBJECT',
      'AUDIT_COLLECT_BATCH_SECONDS',
      'AUDIT_COLLECT_SETTLE_SECONDS',
    ])
      delete env[name];
    Object.assign(process.env, { TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS });
    await createBucket({ env, bucket: BUCKET });
    const client = await connectClient();
    stops.push(() => client.connection.close());
    const worker = await startWorkerProcess({ name: 'worker', env, logFile: join(dir, 'worker.log') });
    stops.push(() => stopChild(worker));
    return { client, worker, simUrl, orgId: ORG, siteUrl, siteStartedMs, dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
