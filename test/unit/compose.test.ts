// docker-compose.yml is checked by a real Compose implementation (Debian's docker-compose parses and
// validates it; no Docker engine is needed), then for the shape the README promises.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { requireTestPackages } from '../../dev/infra/binaries';

const ROOT = join(__dirname, '..', '..');
const FILE = join(ROOT, 'docker-compose.yml');

type Service = {
  image?: string;
  build?: string | { context: string; target?: string };
  profiles?: string[];
  ports?: string[];
  expose?: string[];
  container_name?: string;
  network_mode?: string;
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
};

/** The services the README describes; every test below reads some of them. */
const NAMES = [
  'temporal',
  'temporal-schema',
  'postgresql',
  'temporal-ui',
  's3',
  'worker',
  'simulator',
  'demo-worker',
  'prometheus',
  'demo-rules',
] as const;

/** docker-compose.yml's services, after checking that each of NAMES is there. */
function services(): Record<(typeof NAMES)[number], Service> {
  const all = (parse(readFileSync(FILE, 'utf8'), { merge: true }) as { services: Record<string, Service> }).services;
  const missing = NAMES.filter((name) => !all[name]);
  if (missing.length > 0) throw new Error(`docker-compose.yml has no service ${missing.join(', ')}`);
  return all as Record<(typeof NAMES)[number], Service>;
}

function compose(args: string[]): string {
  return execFileSync('docker-compose', ['-f', FILE, ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => requireTestPackages());

test('docker-compose validates docker-compose.yml, with and without the demo and monitoring profiles', () => {
  expect(() => compose(['config', '-q'])).not.toThrow();
  expect(() => compose(['--profile', 'demo', 'config', '-q'])).not.toThrow();
  expect(() => compose(['--profile', 'demo', '--profile', 'monitoring', 'config', '-q'])).not.toThrow();
});

test('it runs Temporal on PostgreSQL with current images (no auto-setup), the UI, S3, the worker, and the simulator only in the demo profile', () => {
  const all = services();
  const images = Object.values(all).map((s) => s.image ?? '');
  expect(images.some((i) => i.includes('auto-setup'))).toBe(false);
  expect(all.temporal.image).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/);
  expect(all.temporal.environment?.DB).toBe('postgres12');
  expect(all.temporal.depends_on?.['temporal-schema']?.condition).toBe('service_completed_successfully');
  expect(all['temporal-schema'].image).toMatch(/^temporalio\/admin-tools:/);
  expect(all.postgresql.image).toMatch(/^postgres:\d+$/);
  expect(all['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
  expect(all.s3.image).toMatch(/^versity\/versitygw:/);
  expect(all.worker.build).toBe('.');
  expect(all.worker.profiles).toBeUndefined();
  expect(all.simulator.profiles).toEqual(['demo']);
  expect(all['demo-worker'].profiles).toEqual(['demo']);
  expect(all.prometheus.profiles).toEqual(['monitoring']);
  expect(all['demo-rules'].profiles).toEqual(['demo']);
  // Published ports stay on loopback.
  for (const service of Object.values(all)) for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
});

test('the worker scales (docker compose up --scale worker=3): no container name, no host port, nothing in its network namespace', () => {
  const all = services();
  expect(all.worker.container_name).toBeUndefined();
  expect(all.worker.ports).toBeUndefined();
  for (const [name, service] of Object.entries(all))
    expect({ name, network_mode: service.network_mode }).not.toEqual({ name, network_mode: 'service:worker' });
});

test('workers drain on docker stop and report readiness', () => {
  for (const name of ['worker', 'demo-worker'] as const) {
    const service = services()[name];
    // Longer than the worker's default 60-second drain, so Docker does not SIGKILL a draining batch.
    expect(Number(/^(\d+)s$/.exec(service.stop_grace_period ?? '')?.[1])).toBeGreaterThan(60);
    expect(service.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:9464/readyz');
  }
});

test("the demo runs its own worker on its own task queue, with the simulator in that worker's network namespace", () => {
  const all = services();
  expect(all.simulator.network_mode).toBe('service:demo-worker');
  expect(all.simulator.build).toEqual({ context: '.', target: 'simulator' });
  const queue = all['demo-worker'].environment?.AUDIT_COLLECT_TASK_QUEUE;
  expect(queue).toBeDefined();
  expect(queue).not.toBe(all.worker.environment?.AUDIT_COLLECT_TASK_QUEUE ?? 'audit-collect');
  // The demo rule's schedule starts its runs on that queue.
  expect(all['demo-rules'].environment?.AUDIT_COLLECT_TASK_QUEUE).toBe(queue);
});

test("Prometheus scrapes every worker replica by DNS and loads the README's alert rules", () => {
  const config = parse(readFileSync(join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as {
    rule_files: string[];
    scrape_configs: Array<{ dns_sd_configs: Array<{ names: string[]; type: string; port: number }> }>;
  };
  expect(config.scrape_configs[0]?.dns_sd_configs[0]).toMatchObject({ names: ['worker', 'demo-worker'], type: 'A', port: 9464 });
  expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
  const alerts = readFileSync(join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8');
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const exprs = [...alerts.matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1]);
  expect(exprs).toHaveLength(3);
  for (const expr of exprs) expect(readme).toContain(`expr: ${expr}`);
});
