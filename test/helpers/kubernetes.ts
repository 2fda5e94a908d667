// deploy/kubernetes/ rendered by the pinned kustomize, as `kubectl apply -k` would apply it, and the
// worker's environment read from the rendering.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { requireBinary } from '../../dev/infra/binaries';

export const KUBERNETES_DIR = join(__dirname, '..', '..', 'deploy', 'kubernetes');

/** What kubectl apply -k would apply, by path under deploy/kubernetes/. */
export const KUSTOMIZATIONS = ['base', 'overlays/temporal-cloud', 'overlays/self-hosted-tls'] as const;

export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  ports?: Array<{ name: string; containerPort: number }>;
  readinessProbe?: { httpGet: { path: string; port: string | number } };
  livenessProbe?: { httpGet: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: Array<{ name: string; secret?: { secretName: string }; emptyDir?: object }>;
}

export interface Deployment extends Resource {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
  };
}

/** The YAML kustomize renders for one kustomization (a path under deploy/kubernetes/). */
export function kustomizeBuild(kustomization: string): string {
  return execFileSync(requireBinary('kustomize'), ['build', join(KUBERNETES_DIR, kustomization)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function parseResources(yaml: string): Resource[] {
  return parseAllDocuments(yaml).map((doc) => doc.toJS() as Resource);
}

export function only<T extends Resource>(resources: Resource[], kind: string): T {
  const found = resources.filter((r) => r.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as T;
}

export function workerContainer(resources: Resource[]): Container {
  const container = only<Deployment>(resources, 'Deployment').spec.template.spec.containers.find((c) => c.name === 'worker');
  if (!container) throw new Error('the Deployment has no container named worker');
  return container;
}

/**
 * The worker's environment as the pod would get it: the ConfigMap it takes with envFrom, then the
 * container's own env (literal values; values from Secrets are returned by the secret's key).
 */
export function workerEnv(resources: Resource[]): {
  literal: Record<string, string>;
  fromSecrets: Record<string, { name: string; key: string }>;
} {
  const container = workerContainer(resources);
  const literal: Record<string, string> = {};
  const fromSecrets: Record<string, { name: string; key: string }> = {};
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    const configMap = resources.find((r) => r.kind === 'ConfigMap' && r.metadata.name === name) as
      (Resource & { data?: Record<string, string> }) | undefined;
    if (!configMap) throw new Error(`the worker takes its environment from ConfigMap ${name}, which is not rendered`);
    Object.assign(literal, configMap.data);
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) literal[variable.name] = variable.value;
    else if (variable.valueFrom?.secretKeyRef) fromSecrets[variable.name] = variable.valueFrom.secretKeyRef;
    else throw new Error(`env ${variable.name} has neither a value nor a Secret key`);
  }
  return { literal, fromSecrets };
}
