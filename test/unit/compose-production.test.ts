// deploy/compose/: the production Compose file (and its mutual-TLS addition) checked by a real
// Compose implementation (Debian's docker-compose; no Docker engine needed), then for what
// docs/deploy.md promises: the worker only, every setting from the environment, keys as files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { requireTestPackages } from '../../dev/infra/binaries';
import { readWorkerConfig } from '../../src/worker/config';

const ROOT = join(__dirname, '..', '..');
const PRODUCTION = join(ROOT, 'deploy', 'compose', 'docker-compose.production.yml');
const MTLS = join(ROOT, 'deploy', 'compose', 'docker-compose.temporal-mtls.yml');

/** What the operator must set; nothing else is needed for `config` to pass. */
const REQUIRED = {
  AUDIT_COLLECT_IMAGE: 'registry.example.com/security/audit-collect:0.1.0',
  TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233',
  TEMPORAL_NAMESPACE: 'my-namespace.a1b2c',
  AWS_REGION: 'eu-west-1',
  AUDIT_COLLECT_SECRETS_HOST_DIR: '/etc/audit-collect/api-keys',
};

type Service = {
  image?: string;
  build?: unknown;
  environment: Record<string, string | null>;
  volumes: string[];
  ports?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
};

// An empty env file, so that an .env a developer keeps beside the file cannot change the result.
const envFile = join(mkdtempSync(join(tmpdir(), 'audit-collect-compose-')), 'empty.env');
writeFileSync(envFile, '');

/** docker-compose config over the files, with only `env` (and PATH) in its environment. */
function config(files: string[], env: Record<string, string>): string {
  return execFileSync('docker-compose', ['--env-file', envFile, ...files.flatMap((f) => ['-f', f]), 'config'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function services(files: string[], env: Record<string, string>): Record<string, Service> {
  return (parse(config(files, env)) as { services: Record<string, Service> }).services;
}

function workerService(files: string[], env: Record<string, string>): Service {
  const { worker } = services(files, env);
  if (!worker) throw new Error('no worker service');
  return worker;
}

/** The variables the container gets: a name without a value is passed only when set where Compose runs. */
const setIn = (service: Service) =>
  Object.fromEntries(Object.entries(service.environment).filter((entry): entry is [string, string] => entry[1] !== null));

beforeAll(() => requireTestPackages());

test('docker-compose validates the production file, and with the mutual-TLS file on top', () => {
  expect(Object.keys(services([PRODUCTION], REQUIRED))).toEqual(['worker']);
  expect(Object.keys(services([PRODUCTION, MTLS], { ...REQUIRED, TEMPORAL_TLS_HOST_DIR: '/etc/audit-collect/temporal-tls' }))).toEqual([
    'worker',
  ]);
});

test.each(Object.keys(REQUIRED))('without %s it refuses to start, naming it', (name) => {
  const env: Record<string, string> = { ...REQUIRED };
  delete env[name];
  let stderr = '';
  try {
    config([PRODUCTION], env);
  } catch (error) {
    stderr = String((error as { stderr?: string }).stderr);
  }
  expect(stderr).toContain(`set ${name}`);
});

test('it runs a pushed image, with no sandbox host, dummy key, endpoint or path-style of its own', () => {
  const worker = workerService([PRODUCTION], REQUIRED);
  expect(worker.build).toBeUndefined();
  expect(worker.image).toBe(REQUIRED.AUDIT_COLLECT_IMAGE);
  // Only what the operator set, and what this file fixes about the container itself.
  expect(setIn(worker)).toEqual({
    TEMPORAL_ADDRESS: REQUIRED.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: REQUIRED.TEMPORAL_NAMESPACE,
    AWS_REGION: REQUIRED.AWS_REGION,
    AUDIT_COLLECT_SECRETS_DIR: '/run/secrets/audit-collect',
    AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS: '60',
    AUDIT_COLLECT_METRICS_ADDRESS: '0.0.0.0:9464',
    AUDIT_COLLECT_CACHE: '/tmp/audit-collect',
  });
  expect(() => readWorkerConfig(setIn(worker))).not.toThrow();
});

test('AWS, Temporal and worker settings pass straight through from the environment', () => {
  const passed = {
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'example-secret',
    AWS_SESSION_TOKEN: 'example-token',
    AWS_ENDPOINT_URL_S3: 'https://s3.internal.example.com',
    AUDIT_COLLECT_S3_FORCE_PATH_STYLE: 'true',
    TEMPORAL_API_KEY: 'example-temporal-key',
    TEMPORAL_TLS: 'true',
    AUDIT_COLLECT_TASK_QUEUE: 'audit-collect-prod',
    AUDIT_COLLECT_NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/T000/B000',
  };
  const worker = workerService([PRODUCTION], { ...REQUIRED, ...passed });
  expect(setIn(worker)).toMatchObject(passed);
  expect(() => readWorkerConfig(setIn(worker))).not.toThrow();
});

test('API keys are files in a read-only directory the worker confines file: references to; the TLS key lives elsewhere', () => {
  const worker = workerService([PRODUCTION, MTLS], { ...REQUIRED, TEMPORAL_TLS_HOST_DIR: '/etc/audit-collect/temporal-tls' });
  const dir = worker.environment.AUDIT_COLLECT_SECRETS_DIR;
  expect(worker.volumes).toEqual([
    `${REQUIRED.AUDIT_COLLECT_SECRETS_HOST_DIR}:${dir}:ro`,
    '/etc/audit-collect/temporal-tls:/run/secrets/temporal-tls:ro',
  ]);
  for (const name of ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH']) {
    expect(worker.environment[name]).toMatch(/^\/run\/secrets\/temporal-tls\//);
    expect(worker.environment[name]?.startsWith(`${dir}/`)).toBe(false);
  }
  expect(worker.environment.TEMPORAL_TLS).toBe('true');
});

test('the container is locked down, reports readiness and drains before Docker kills it', () => {
  const worker = workerService([PRODUCTION], REQUIRED);
  expect(worker).toMatchObject({ read_only: true, tmpfs: ['/tmp'], cap_drop: ['ALL'], security_opt: ['no-new-privileges:true'] });
  expect(worker.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:9464/readyz');
  const grace = readWorkerConfig(setIn(worker)).AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS;
  expect(Number(/^(\d+)s$/.exec(worker.stop_grace_period ?? '')?.[1])).toBeGreaterThanOrEqual(grace + 10);
  // Metrics on loopback unless the operator publishes them further.
  expect(worker.ports).toEqual(['127.0.0.1:9464:9464/tcp']);
});

test('the root docker-compose.yml says at its top that it is the sandbox, and where production is', () => {
  const top = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8').split('\n').slice(0, 3).join('\n');
  expect(top).toMatch(/^# SANDBOX \/ DEMO, not for production/);
  expect(top).toContain('deploy/compose/docker-compose.production.yml');
});
