// docker-compose.yml is checked by a real Compose implementation (Debian's docker-compose parses and
// validates it; no Docker engine is needed), then for the shape the README promises.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { requireTestPackages } from '../../dev/infra/binaries';

const ROOT = join(__dirname, '..', '..');
const FILE = join(ROOT, 'docker-compose.yml');

type Service = { image?: string; build?: string; profiles?: string[]; ports?: string[]; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }> };

function compose(args: string[]): string {
  return execFileSync('docker-compose', ['-f', FILE, ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => requireTestPackages());

test('docker-compose validates docker-compose.yml, with and without the demo profile', () => {
  expect(() => compose(['config', '-q'])).not.toThrow();
  expect(() => compose(['--profile', 'demo', 'config', '-q'])).not.toThrow();
});

test('it runs Temporal on PostgreSQL with current images (no auto-setup), the UI, S3, the worker, and the simulator only in the demo profile', () => {
  const { services } = parse(readFileSync(FILE, 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const images = Object.values(services).map((s) => s.image ?? '');
  expect(images.some((i) => i.includes('auto-setup'))).toBe(false);
  expect(services.temporal.image).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/);
  expect(services.temporal.environment?.DB).toBe('postgres12');
  expect(services.temporal.depends_on?.['temporal-schema'].condition).toBe('service_completed_successfully');
  expect(services['temporal-schema'].image).toMatch(/^temporalio\/admin-tools:/);
  expect(services.postgresql.image).toMatch(/^postgres:\d+$/);
  expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
  expect(services.s3.image).toMatch(/^versity\/versitygw:/);
  expect(services.worker.build).toBe('.');
  expect(services.worker.profiles).toBeUndefined();
  expect(services.simulator.profiles).toEqual(['demo']);
  expect(services['demo-rules'].profiles).toEqual(['demo']);
  // Published ports stay on loopback.
  for (const service of Object.values(services)) for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
});
