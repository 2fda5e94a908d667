// The fleet benchmark's world on loopback: Temporal dev server, S3 server, a simulator serving
// many orgs, a rules file of many rules over them, and worker processes.
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningServer } from '../../infra/servers';
import { DEMO_ORG_ID, fleetOrgId } from '../../simulator/cli';
import { ROOT, startChild, stopChild, tsNode } from '../shared/children';
import { Stops, benchPorts, createBucket, startServers, startWorkerProcess, workerEnv } from '../shared/world';

// A value only the local simulator accepts; it never leaves this machine.
const SIM_API_KEY = 'fleet-simulator-key';
const BUCKET = 'audit-fleet';

export interface FleetShape {
  rules: number;
  orgs: number;
  orgEvents: number;
  interval: string;
}

export interface FleetWorld {
  dir: string;
  temporal: RunningServer;
  temporalMetricsUrl: string;
  simUrl: string;
  rulesFile: string;
  ruleIds: string[];
  /** The environment a worker and the in-process client run with. */
  env: NodeJS.ProcessEnv;
  /** `nodeArgs` such as --cpu-prof go before the worker's script. */
  startWorker(n: number, nodeArgs?: string[]): Promise<ChildProcess>;
  stop(): Promise<void>;
}

const orgIdOf = (n: number) => (n === 0 ? DEMO_ORG_ID : fleetOrgId(n));
const keyEnvOf = (n: number) => `ATLASSIAN_FLEET_KEY_${n}`;
export const ruleIdOf = (n: number) => `fleet-${n}`;

function rulesYaml(params: FleetShape & { simUrl: string }): string {
  const connections = Array.from(
    { length: params.orgs },
    (_, n) => `  - { name: org-${n}, orgId: ${orgIdOf(n)}, apiKey: 'env:${keyEnvOf(n)}', baseUrl: '${params.simUrl}' }`,
  );
  const rules = Array.from(
    { length: params.rules },
    (_, n) =>
      `  - { id: ${ruleIdOf(n)}, connection: org-${n % params.orgs}, destination: { bucket: ${BUCKET}, prefix: fleet/${ruleIdOf(n)}/ }, interval: ${params.interval}, startFrom: 7d }`,
  );
  return `connections:\n${connections.join('\n')}\nrules:\n${rules.join('\n')}\n`;
}

export async function startFleetWorld(params: {
  shape: FleetShape;
  portOffset: number;
  /** The Node binary workers run on (default: this one). */
  node?: string;
  log: (line: string) => void;
}): Promise<FleetWorld> {
  const { shape } = params;
  const ports = benchPorts(params.portOffset);
  const stops = new Stops();
  try {
    const what = `a simulator of ${shape.orgs} orgs`;
    const { dir, temporal } = await startServers({ name: 'bench-fleet', ports, stops, log: params.log, what });
    const sim = tsNode(join(ROOT, 'dev', 'simulator', 'cli.ts'), [
      ...['--port', String(ports.sim), '--orgs', String(shape.orgs), '--events', String(shape.orgEvents)],
      ...['--api-key', SIM_API_KEY, '--rate-limit', '50', '--seed', '42', '--seed-span-days', '1'],
    ]);
    const simulator = await startChild({
      name: 'simulator',
      ...sim,
      env: process.env,
      ready: /listening on/,
      timeoutMs: 5 * 60_000,
      logFile: join(dir, 'simulator.log'),
    });
    stops.push(() => stopChild(simulator, 'SIGTERM'));
    const simUrl = `http://127.0.0.1:${ports.sim}`;
    const keys = Array.from({ length: shape.orgs }, (_, n) => [keyEnvOf(n), n === 0 ? SIM_API_KEY : `${SIM_API_KEY}-${n}`]);
    const env = workerEnv({ ports, extra: Object.fromEntries(keys) });
    await createBucket({ env, bucket: BUCKET });
    const rulesFile = join(dir, 'fleet-rules.yaml');
    writeFileSync(rulesFile, rulesYaml({ ...shape, simUrl }));
    const startWorker = async (n: number, nodeArgs: string[] = []) => {
      const worker = await startWorkerProcess({
        name: `worker ${n}`,
        env: { ...env, AUDIT_COLLECT_METRICS_ADDRESS: `127.0.0.1:${ports.metrics + n}` },
        logFile: join(dir, `worker-${n}.log`),
        node: params.node,
        nodeArgs,
      });
      stops.push(() => stopChild(worker, 'SIGTERM'));
      return worker;
    };
    return {
      dir,
      temporal,
      temporalMetricsUrl: `http://127.0.0.1:${ports.temporalMetrics}/metrics`,
      simUrl,
      rulesFile,
      ruleIds: Array.from({ length: shape.rules }, (_, n) => ruleIdOf(n)),
      env,
      startWorker,
      stop: () => stops.stopAll(),
    };
  } catch (error) {
    await stops.stopAll();
    throw error;
  }
}

/** Activity heartbeats that reached the server so far, from its own `action` metric. */
export async function serverHeartbeats(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (
      line.startsWith('action{') &&
      line.includes('action_type="grpc_RecordActivityTaskHeartbeat') &&
      line.includes('namespace="default"')
    )
      total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return total;
}
