// deploy/kubernetes/: the base and each overlay rendered by the pinned kustomize, validated by the
// pinned kubeconform against the Kubernetes schemas that kubernetes-validate ships (offline), then
// checked for what docs/deploy.md promises: probes, drain, secrets as files, IRSA, non-root.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from '../../dev/infra/binaries';
import { KUBERNETES_VERSIONS, kubeconformArgs } from '../../dev/infra/kubernetes-schemas';
import { readWorkerConfig } from '../../src/worker/config';
import {
  KUSTOMIZATIONS,
  kustomizeBuild,
  only,
  parseResources,
  workerContainer,
  workerEnv,
  type Deployment,
  type Resource,
} from '../helpers/kubernetes';

const ROOT = join(__dirname, '..', '..');

interface KubeconformResult {
  resources: Array<{ kind: string; name: string; status: string; msg: string }>;
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

/** kubeconform's verdict on a rendering: exit status and its JSON report. */
function kubeconform(yaml: string, version: (typeof KUBERNETES_VERSIONS)[number]): { ok: boolean; result: KubeconformResult } {
  const args = [...kubeconformArgs(version), '-output', 'json', '-verbose'];
  try {
    const out = execFileSync(requireBinary('kubeconform'), args, { input: yaml, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return { ok: true, result: JSON.parse(out) as KubeconformResult };
  } catch (error) {
    const out = (error as { stdout?: string }).stdout ?? '';
    if (!out) throw error;
    return { ok: false, result: JSON.parse(out) as KubeconformResult };
  }
}

const rendered = new Map<string, string>();
const render = (kustomization: string) =>
  rendered.get(kustomization) ?? rendered.set(kustomization, kustomizeBuild(kustomization)).get(kustomization)!;
const resources = (kustomization: string) => parseResources(render(kustomization));
const deployment = (kustomization: string) => only<Deployment>(resources(kustomization), 'Deployment');

describe.each(KUSTOMIZATIONS)('%s', (kustomization) => {
  test.each(KUBERNETES_VERSIONS)('renders with kustomize and validates strictly against Kubernetes %s', (version) => {
    const yaml = render(kustomization);
    const { ok, result } = kubeconform(yaml, version);
    const kinds = parseResources(yaml).map((r) => r.kind);
    expect(result.resources.filter((r) => r.status !== 'statusValid')).toEqual([]);
    // Every resource was checked against a schema: none skipped for a missing one.
    expect(result.summary).toEqual({ valid: kinds.length, invalid: 0, errors: 0, skipped: 0 });
    expect(ok).toBe(true);
    expect(kinds.sort()).toEqual(['ConfigMap', 'Deployment', 'Namespace', 'NetworkPolicy', 'PodDisruptionBudget', 'ServiceAccount']);
  });

  test("the worker's own configuration schema accepts the environment it sets, and every variable is one the worker reads", () => {
    const { literal } = workerEnv(resources(kustomization));
    expect(() => readWorkerConfig(literal)).not.toThrow();
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const name of Object.keys(literal)) {
      if (name.startsWith('TEMPORAL_')) expect({ name, documented: readme.includes(`\`${name}\``) }).toEqual({ name, documented: true });
      else if (name.startsWith('AUDIT_COLLECT_')) expect({ name, read: grepSrc(name) }).toEqual({ name, read: true });
      else expect(name).toBe('AWS_REGION');
    }
  });

  test('no static AWS keys and no API key in the rendering: keys come from Secrets mounted as files', () => {
    const yaml = render(kustomization);
    expect(yaml).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/);
    expect(resources(kustomization).map((r) => r.kind)).not.toContain('Secret');
    const { literal } = workerEnv(resources(kustomization));
    const container = workerContainer(resources(kustomization));
    const dir = literal.AUDIT_COLLECT_SECRETS_DIR;
    expect(container.volumeMounts?.find((m) => m.mountPath === dir)).toEqual({ name: 'api-keys', mountPath: dir, readOnly: true });
    const volume = deployment(kustomization).spec.template.spec.volumes?.find((v) => v.name === 'api-keys');
    expect(volume?.secret?.secretName).toBe('audit-collect-api-keys');
    // Nothing else under the API-key directory: a rule's file: reference can name nothing but API keys.
    const inside = (container.volumeMounts ?? []).filter((m) => m.mountPath !== dir && m.mountPath.startsWith(`${dir}/`));
    expect(inside).toEqual([]);
  });
});

test('the pod runs as the image user, non-root, with a read-only root filesystem and no privileges', () => {
  const pod = deployment('base').spec.template.spec;
  expect(pod.securityContext).toMatchObject({
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  // The image's USER node is uid 1000 in the node images.
  expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/^FROM node:\S+ AS runtime$[\s\S]*^USER node$/m);
  const container = workerContainer(resources('base'));
  expect(container.securityContext).toEqual({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  // The only writable place: /tmp, where AUDIT_COLLECT_CACHE points (used only without a prebuilt bundle).
  expect(container.volumeMounts?.find((m) => m.name === 'tmp')?.mountPath).toBe('/tmp');
  expect(workerEnv(resources('base')).literal.AUDIT_COLLECT_CACHE).toMatch(/^\/tmp\//);
  expect(only(resources('base'), 'Namespace').metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
});

test('readiness on /readyz and liveness on /healthz, on the metrics port the worker listens on and Prometheus scrapes', () => {
  const container = workerContainer(resources('base'));
  const port = container.ports?.find((p) => p.name === 'metrics');
  const address = workerEnv(resources('base')).literal.AUDIT_COLLECT_METRICS_ADDRESS;
  expect(address).toBe('0.0.0.0:9464');
  expect(port?.containerPort).toBe(9464);
  expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
  expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
  expect(deployment('base').spec.template.metadata.annotations).toEqual({
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': '9464',
    'prometheus.io/path': '/metrics',
  });
});

test('the kubelet waits longer than the drain before SIGKILL', () => {
  const grace = readWorkerConfig(workerEnv(resources('base')).literal).AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS;
  expect(grace).toBe(readWorkerConfig({}).AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS);
  expect(deployment('base').spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(grace + 10);
});

test('requests and limits are set; a disruption budget keeps one of the two workers up', () => {
  const { resources: limits } = workerContainer(resources('base'));
  expect(Object.keys(limits?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
  expect(Object.keys(limits?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
  const { spec } = deployment('base');
  const pdb = only<Resource & { spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } }>(
    resources('base'),
    'PodDisruptionBudget',
  );
  expect(spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
  expect(spec.replicas - pdb.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
});

test('the pod uses the IRSA-annotated service account and no Kubernetes API token', () => {
  const account = only(resources('base'), 'ServiceAccount');
  expect(account.metadata.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\/.+$/);
  const pod = deployment('base').spec.template.spec;
  expect(pod.serviceAccountName).toBe(account.metadata.name);
  expect(pod.automountServiceAccountToken).toBe(false);
});

test('temporal-cloud: TLS on, the address and namespace set, the API key from a Secret', () => {
  const { literal, fromSecrets } = workerEnv(resources('overlays/temporal-cloud'));
  expect(literal).toMatchObject({ TEMPORAL_TLS: 'true', TEMPORAL_ADDRESS: expect.stringMatching(/\.api\.temporal\.io:7233$/) });
  expect(literal.TEMPORAL_NAMESPACE).toMatch(/^[\w-]+\.[\w-]+$/);
  expect(literal.TEMPORAL_API_KEY).toBeUndefined();
  expect(fromSecrets).toEqual({ TEMPORAL_API_KEY: { name: 'audit-collect-temporal', key: 'api-key' } });
});

test('self-hosted-tls: the client certificate, key and CA are files from one Secret, outside the API-key directory', () => {
  const kustomization = 'overlays/self-hosted-tls';
  const { literal } = workerEnv(resources(kustomization));
  const mount = workerContainer(resources(kustomization)).volumeMounts?.find((m) => m.name === 'temporal-tls');
  expect(mount?.readOnly).toBe(true);
  const volume = deployment(kustomization).spec.template.spec.volumes?.find((v) => v.name === 'temporal-tls');
  expect(volume?.secret?.secretName).toBe('audit-collect-temporal-tls');
  expect(literal.TEMPORAL_TLS).toBe('true');
  expect({
    ca: literal.TEMPORAL_TLS_SERVER_CA_CERT_PATH,
    cert: literal.TEMPORAL_TLS_CLIENT_CERT_PATH,
    key: literal.TEMPORAL_TLS_CLIENT_KEY_PATH,
  }).toEqual({ ca: `${mount?.mountPath}/ca.crt`, cert: `${mount?.mountPath}/tls.crt`, key: `${mount?.mountPath}/tls.key` });
  expect(mount?.mountPath.startsWith(`${literal.AUDIT_COLLECT_SECRETS_DIR}/`)).toBe(false);
});

test('kubeconform rejects what the Kubernetes schema does not allow (the schemas are really read)', () => {
  const broken = render('base').replace(
    'terminationGracePeriodSeconds: 75',
    'terminationGracePeriodSeconds: "75"\n      terminationGracePeriod: 75',
  );
  expect(broken).not.toBe(render('base'));
  const { ok, result } = kubeconform(broken, KUBERNETES_VERSIONS[0]);
  expect(ok).toBe(false);
  const invalid = result.resources.filter((r) => r.status === 'statusInvalid');
  expect(invalid.map((r) => r.kind)).toEqual(['Deployment']);
  expect(invalid[0]?.msg).toContain('terminationGracePeriod');
});

/** Whether src/ mentions the variable (so the worker or a library it configures reads it). */
function grepSrc(name: string): boolean {
  try {
    execFileSync('grep', ['-rqF', name, join(ROOT, 'src')]);
    return true;
  } catch {
    return false;
  }
}
