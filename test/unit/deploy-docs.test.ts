// docs/deploy.md and docs/aws.md against what they describe: the pinned validators, the Kubernetes
// version, the Prometheus scrape config for the pods' annotations, and their links.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { TOOLS } from '../../dev/infra/binaries';
import { KUBERNETES_VALIDATE, KUBERNETES_VERSIONS } from '../../dev/infra/kubernetes-schemas';
import { kustomizeBuild, only, parseResources, type Deployment } from '../helpers/kubernetes';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const deploy = read('docs/deploy.md');

test('the README points to the deployment docs', () => {
  const readme = read('README.md');
  expect(readme).toContain('## Deploy\n');
  expect(readme).toContain('[docs/deploy.md](docs/deploy.md)');
  expect(readme).toContain('[docs/aws.md](docs/aws.md)');
});

test('docs/deploy.md names the Kubernetes version targeted and the pinned validators and schemas', () => {
  const minor = (version: string) => version.split('.').slice(0, 2).join('.');
  expect(deploy).toContain(`target **Kubernetes ${minor(KUBERNETES_VERSIONS[0])}** and later`);
  for (const version of KUBERNETES_VERSIONS) expect(deploy).toContain(`**${version}**`);
  expect(deploy).toContain(`kustomize **${TOOLS.kustomize.version}**`);
  expect(deploy).toContain(`kubeconform **${TOOLS.kubeconform.version}**`);
  expect(deploy).toContain(`kubernetes-validate **${KUBERNETES_VALIDATE}**`);
});

test("the scrape config keeps the pods by the base's annotations, in its namespace, as the job the alerts watch", () => {
  const block = [...deploy.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.startsWith('scrape_configs:'));
  const [job] = (
    parse(block ?? '') as {
      scrape_configs: Array<{
        job_name: string;
        kubernetes_sd_configs: Array<{ role: string; namespaces: { names: string[] } }>;
        relabel_configs: Array<{ source_labels: string[] }>;
      }>;
    }
  ).scrape_configs;
  const resources = parseResources(kustomizeBuild('base'));
  const pod = only<Deployment>(resources, 'Deployment');
  expect(job?.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: [pod.metadata.namespace] } }]);
  expect(read('deploy/prometheus/alerts.yml')).toContain(`up{job="${job?.job_name}"}`);
  const annotations = Object.keys(pod.spec.template.metadata.annotations ?? {}).map(
    (key) => `__meta_kubernetes_pod_annotation_${key.replace(/[^A-Za-z0-9]/g, '_')}`,
  );
  const used = new Set(job?.relabel_configs.flatMap((r) => r.source_labels).filter((l) => l.includes('_annotation_')));
  expect(used).toEqual(new Set(annotations));
});

test.each(['docs/deploy.md', 'docs/aws.md'])('every relative link in %s leads to a file that exists', (doc) => {
  const links = [...read(doc).matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
  expect(links.length).toBeGreaterThan(0);
  for (const link of links) expect({ link, exists: existsSync(join(ROOT, dirname(doc), link)) }).toEqual({ link, exists: true });
});
