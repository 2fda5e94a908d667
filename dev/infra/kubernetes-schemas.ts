// The Kubernetes JSON schemas that kubeconform validates deploy/kubernetes/ against, offline.
// kubeconform downloads schemas from GitHub by default; the PyPI package kubernetes-validate ships
// them for every Kubernetes minor version it supports, so the set-up step installs that (pinned)
// and the test points kubeconform at its files.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir } from '../../src/worker/cache-dir';

export const KUBERNETES_VALIDATE = '1.37.0';

/** The version the manifests target (docs/deploy.md), and the newest the package has. */
export const KUBERNETES_VERSIONS = ['1.31.0', '1.37.0'] as const;

export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[number];

const venv = () => join(cacheDir(), 'venv', `kubernetes-validate-${KUBERNETES_VALIDATE}`);
/** Written last: a venv without it is a failed install, made again from scratch. */
const marker = () => join(venv(), 'audit-collect-installed.json');

type Installed = { version: string; schemas: string };

const strictDir = (schemas: string, version: string) => join(schemas, `v${version}-local-strict`);
const kubeconformCache = (version: string) => join(venv(), `kubeconform-cache-v${version}`);

/** Installs kubernetes-validate's schemas (no dependencies: only its data is used) the first time. */
export function ensureKubernetesSchemas(log: (line: string) => void = console.log): void {
  if (existsSync(marker())) return;
  log(`installing kubernetes-validate ${KUBERNETES_VALIDATE} (Kubernetes JSON schemas) from PyPI into ${venv()} (first run only)...`);
  rmSync(venv(), { recursive: true, force: true });
  mkdirSync(dirname(venv()), { recursive: true });
  execFileSync('/usr/bin/python3', ['-m', 'venv', venv()], { stdio: ['ignore', 'inherit', 'inherit'] });
  const python = join(venv(), 'bin', 'python');
  execFileSync(
    python,
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--only-binary=:all:',
      '--no-deps',
      `kubernetes-validate==${KUBERNETES_VALIDATE}`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  // find_spec locates the package without importing it (its dependencies are not installed).
  const where = "import importlib.util; print(importlib.util.find_spec('kubernetes_validate').submodule_search_locations[0])";
  const schemas = join(execFileSync(python, ['-c', where]).toString().trim(), 'kubernetes-json-schema');
  for (const version of KUBERNETES_VERSIONS) seedKubeconformCache({ schemas, version });
  const installed: Installed = { version: KUBERNETES_VALIDATE, schemas };
  writeFileSync(marker(), `${JSON.stringify(installed)}\n`);
  log(`installed the schemas in ${schemas}`);
}

/**
 * Each per-kind schema refers to the shared definitions by URL (its `$id`, on kubernetes.io), which
 * kubeconform would fetch. Its on-disk cache is keyed by the SHA-256 of the URL, so the package's
 * own copy of the definitions goes there, and kubeconform never leaves the machine.
 */
function seedKubeconformCache(params: { schemas: string; version: string }): void {
  const definitions = join(strictDir(params.schemas, params.version), '_definitions.json');
  const url = (JSON.parse(readFileSync(definitions, 'utf8')) as { $id: string }).$id;
  const dir = kubeconformCache(params.version);
  mkdirSync(dir, { recursive: true });
  copyFileSync(definitions, join(dir, createHash('sha256').update(url).digest('hex')));
}

/** For test files: kubeconform's arguments to validate against `version` offline, or an error naming the set-up step. */
export function kubeconformArgs(version: KubernetesVersion): string[] {
  if (!existsSync(marker()))
    throw new Error(`the Kubernetes schemas are not installed: run 'npm run setup-tests' (npm test runs it first)`);
  const { schemas } = JSON.parse(readFileSync(marker(), 'utf8')) as Installed;
  return [
    '-strict',
    '-summary',
    '-kubernetes-version',
    version,
    '-cache',
    kubeconformCache(version),
    '-schema-location',
    join(strictDir(schemas, version), '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
  ];
}
