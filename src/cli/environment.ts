// Every environment variable audit-collect reads, in one list: the worker's from its schema
// (src/worker/config.ts), the Temporal connection's, the AWS SDK's, payload encryption's, the CLI's
// own. docs/configuration.md (`npm run docs:config`) and `worker --help` are written from it, and
// the worker warns at start about an AUDIT_COLLECT_* name it does not list.
import { z } from 'zod';
import { ENCRYPTION_VARIABLES } from '../secrets/encryption';
import { DEFAULT_TEMPORAL_ADDRESS, DEFAULT_TEMPORAL_NAMESPACE } from '../temporal/settings';
import { EnvSchema, RENAMED } from '../worker/config';

export type Reader = 'worker' | 'CLI' | 'both' | 'build';

export interface Variable {
  name: string;
  /** As the variable would be set; undefined: unset by default. */
  default?: string;
  readBy: Reader;
  description: string;
}

export interface VariableGroup {
  title: string;
  intro: string;
  variables: Variable[];
}

/** Worker settings the CLI reads too: apply, check and verify act as the worker would. */
const ALSO_CLI = new Set([
  'AUDIT_COLLECT_TASK_QUEUE',
  'AUDIT_COLLECT_S3_FORCE_PATH_STYLE',
  'AUDIT_COLLECT_HTTP_TIMEOUT_MS',
  'AUDIT_COLLECT_ALLOW_UNFENCED_WRITES',
  'AUDIT_COLLECT_SECRET_ENV_PATTERN',
  'AUDIT_COLLECT_SECRETS_DIR',
  'AUDIT_COLLECT_ALLOWED_API_HOSTS',
  'AUDIT_COLLECT_WEB_UI',
]);

function workerVariables(): Variable[] {
  return Object.entries(EnvSchema.shape)
    .filter(([name]) => !name.startsWith('TEMPORAL_'))
    .map(([name, schema]: [string, z.ZodTypeAny]) => ({
      name,
      ...(schema instanceof z.ZodDefault && { default: String((schema._def as { defaultValue: () => unknown }).defaultValue()) }),
      readBy: ALSO_CLI.has(name) ? 'both' : 'worker',
      description: schema.description ?? '',
    }));
}

export function environmentReference(): VariableGroup[] {
  return [
    {
      title: 'audit-collect',
      intro:
        'Validated when the worker starts (a bad value exits 2 naming it); `check` and `apply --check` read them as the worker would. An unknown `AUDIT_COLLECT_*` name is warned about at worker start.',
      variables: [
        ...workerVariables(),
        {
          name: 'AUDIT_COLLECT_CACHE',
          default: '~/.cache/audit-collect',
          readBy: 'both',
          description:
            'where workflow bundles built at start (run from the sources, or a stale dist/) and the dev tools’ builds are cached',
        },
      ],
    },
    {
      title: 'Temporal connection',
      intro:
        'Read by the worker and the CLI as the `temporal` CLI reads them (`@temporalio/envconfig`), over a profile of the TOML file `temporal config` writes. A bad setting exits 2 naming it.',
      variables: [
        { name: 'TEMPORAL_ADDRESS', default: DEFAULT_TEMPORAL_ADDRESS, readBy: 'both', description: 'the Temporal server, host:port' },
        { name: 'TEMPORAL_NAMESPACE', default: DEFAULT_TEMPORAL_NAMESPACE, readBy: 'both', description: 'the namespace' },
        { name: 'TEMPORAL_API_KEY', readBy: 'both', description: 'an API key (Temporal Cloud); turns TLS on unless TEMPORAL_TLS=false' },
        {
          name: 'TEMPORAL_TLS',
          readBy: 'both',
          description: 'true or false: TLS with the system CAs (on by itself with an API key or TLS files)',
        },
        {
          name: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
          readBy: 'both',
          description: "a private CA that signed the server's certificate, a PEM file",
        },
        { name: 'TEMPORAL_TLS_SERVER_CA_CERT_DATA', readBy: 'both', description: 'the same, as PEM text' },
        { name: 'TEMPORAL_TLS_SERVER_NAME', readBy: 'both', description: "the name to check the server's certificate against" },
        { name: 'TEMPORAL_TLS_CLIENT_CERT_PATH', readBy: 'both', description: 'mTLS: the client certificate, a PEM file (X.509 v3)' },
        { name: 'TEMPORAL_TLS_CLIENT_CERT_DATA', readBy: 'both', description: 'the same, as PEM text' },
        { name: 'TEMPORAL_TLS_CLIENT_KEY_PATH', readBy: 'both', description: "mTLS: the client certificate's private key, a PEM file" },
        { name: 'TEMPORAL_TLS_CLIENT_KEY_DATA', readBy: 'both', description: 'the same, as PEM text' },
        {
          name: 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
          readBy: 'both',
          description: 'refused: set TEMPORAL_TLS_SERVER_NAME to a name in the certificate instead',
        },
        { name: 'TEMPORAL_GRPC_META_<NAME>', readBy: 'both', description: 'an extra gRPC header <name> on every call' },
        { name: 'TEMPORAL_PROFILE', default: 'default', readBy: 'both', description: 'the profile of the config file to read' },
        {
          name: 'TEMPORAL_CONFIG_FILE',
          default: '~/.config/temporalio/temporal.toml',
          readBy: 'both',
          description: 'the config file `temporal config set` writes (on Linux; $XDG_CONFIG_HOME moves it)',
        },
      ],
    },
    {
      title: 'S3 (the AWS SDK)',
      intro:
        "The AWS SDK's standard environment, read by the worker and by `check` and `verify`; a shared config file or an instance role work too.",
      variables: [
        {
          name: 'AWS_REGION',
          readBy: 'both',
          description: "the bucket's region (for an S3-compatible server, one it accepts such as us-east-1)",
        },
        {
          name: 'AWS_ENDPOINT_URL_S3',
          readBy: 'both',
          description: 'an S3-compatible server (set AUDIT_COLLECT_S3_FORCE_PATH_STYLE=true too)',
        },
        { name: 'AWS_ACCESS_KEY_ID', readBy: 'both', description: 'credentials, with AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)' },
        { name: 'AWS_SECRET_ACCESS_KEY', readBy: 'both', description: 'a secret: never logged' },
        { name: 'AWS_SESSION_TOKEN', readBy: 'both', description: 'temporary credentials; a secret: never logged' },
        { name: 'AWS_PROFILE', readBy: 'both', description: 'a profile of the shared AWS config files' },
      ],
    },
    {
      title: 'Payload encryption',
      intro: 'Optional; the same keys on the worker, every CLI call and the codec server (see the README).',
      variables: ENCRYPTION_VARIABLES.map((v) => ({ ...v, readBy: 'both' as const })),
    },
    {
      title: 'API keys',
      intro: "The variables or files the rules' connections name (`apiKey: env:NAME` or `file:/path`).",
      variables: [
        {
          name: 'ATLASSIAN_<NAME>',
          readBy: 'both',
          description:
            'an organization API key, named by a connection; the worker reads it, apply and check check that it is set (names must match AUDIT_COLLECT_SECRET_ENV_PATTERN)',
        },
      ],
    },
    {
      title: 'CLI and build',
      intro: 'Read by the commands other than `worker`, or by `npm run build`.',
      variables: [
        { name: 'NO_COLOR', readBy: 'CLI', description: 'set: no colour in status and list, even on a terminal' },
        {
          name: 'AUDIT_COLLECT_BUILD_COMMIT',
          readBy: 'build',
          description: 'the commit npm run build records (the Dockerfile passes REVISION); else git',
        },
        {
          name: 'AUDIT_COLLECT_TEST_PORT_OFFSET',
          default: '0',
          readBy: 'build',
          description: 'development: moves the e2e test servers’ ports',
        },
        { name: 'AUDIT_COLLECT_BENCH_PORT_OFFSET', readBy: 'build', description: 'development: moves the benchmark servers’ ports' },
        { name: 'AUDIT_COLLECT_TEST_DIR', readBy: 'build', description: 'development: where the test set-up keeps its state' },
      ],
    },
  ];
}

/** Edit distance, for suggesting the name a misspelt variable meant. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/** One line per AUDIT_COLLECT_* variable set in `env` that audit-collect does not read, with the closest known name. */
export function unknownVariableWarnings(env: NodeJS.ProcessEnv): string[] {
  const known = environmentReference()
    .flatMap((g) => g.variables.map((v) => v.name))
    .filter((n) => n.startsWith('AUDIT_COLLECT_'));
  const renamed = new Set(Object.keys(RENAMED)); // an error of its own in readWorkerConfig
  return Object.keys(env)
    .filter((name) => name.startsWith('AUDIT_COLLECT_') && !known.includes(name) && !renamed.has(name))
    .sort()
    .map((name) => {
      const [closest] = known.map((k) => ({ k, d: distance(name, k) })).sort((x, y) => x.d - y.d);
      const hint = closest && closest.d <= Math.max(3, Math.floor(name.length / 3)) ? `; did you mean ${closest.k}?` : '';
      return `audit-collect worker: warning: ${name} is not a setting audit-collect reads, so it is ignored${hint} (every setting: docs/configuration.md)`;
    });
}

const READERS: Record<Reader, string> = { worker: 'worker', CLI: 'CLI', both: 'both', build: 'build, dev' };

/** docs/configuration.md. */
export function configurationMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Written by `npm run docs:config` from src/cli/environment.ts and the schemas it reads; edit those, not this file. test/unit/environment.test.ts fails when it is stale. -->',
    '',
    'Every environment variable audit-collect reads, its default and who reads it: the **worker** (`audit-collect worker`), the **CLI** (every other command), **both**, or the build and development tools.',
    '',
  ];
  for (const group of environmentReference()) {
    lines.push(`## ${group.title}`, '', group.intro, '', '| variable | default | read by | what it does |', '| --- | --- | --- | --- |');
    for (const v of group.variables) {
      lines.push(
        `| \`${v.name}\` | ${v.default === undefined ? 'unset' : `\`${cell(v.default)}\``} | ${READERS[v.readBy]} | ${cell(v.description)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** `worker --help`'s list: every variable the worker reads, with its default. */
export function workerEnvironmentHelp(): string {
  const rows = environmentReference()
    .flatMap((g) => g.variables)
    .filter((v) => v.readBy === 'worker' || v.readBy === 'both');
  const width = Math.max(...rows.map((v) => v.name.length)) + 2;
  return [
    'Environment (validated at start: a bad value exits 2 naming it, an unknown AUDIT_COLLECT_* name is',
    'warned about). What each one does: docs/configuration.md.',
    ...rows.map((v) => `  ${v.name.padEnd(width)}${v.default === undefined ? '' : `default ${v.default}`}`.trimEnd()),
  ].join('\n');
}
