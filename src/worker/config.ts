// The worker's configuration, read once from the environment and validated with a schema.
import { SettingsError } from '../common/settings-error';
import { DEFAULT_TEMPORAL_ADDRESS, DEFAULT_WEB_UI } from '../temporal/settings';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { DEFAULT_ALLOWED_API_HOSTS, DEFAULT_SECRET_ENV_PATTERN, baseUrlProblem, parseAllowedApiHosts } from '../secrets/api-keys';
import { TASK_QUEUE } from '../model/ids';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const regex = z.string().transform((source, ctx) => {
  try {
    return new RegExp(source);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `must be a regular expression (${(error as Error).message})` });
    return z.NEVER;
  }
});
const hosts = z.string().transform((value, ctx) => {
  const parsed = parseAllowedApiHosts(value);
  if ('hosts' in parsed) return parsed.hosts;
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return z.NEVER;
});
const int = (min: number, max: number) =>
  z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().min(min).max(max));

// Each variable's description is what docs/configuration.md and `worker --help` say of it.
export const EnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default(DEFAULT_TEMPORAL_ADDRESS).describe('the Temporal server, host:port'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default').describe('the Temporal namespace'),
  AUDIT_COLLECT_TASK_QUEUE: z
    .string()
    .min(1)
    .default(TASK_QUEUE)
    .describe(
      "the task queue the worker polls; apply uses it for rules whose file and --task-queue name none, check for the rules' pollers",
    ),
  AUDIT_COLLECT_S3_FORCE_PATH_STYLE: bool
    .default('false')
    .describe('path-style S3 URLs, which S3-compatible servers (versitygw, MinIO) want; AWS does not need them'),
  AUDIT_COLLECT_HTTP_TIMEOUT_MS: int(1_000, 600_000)
    .default('30000')
    .describe('every Atlassian request times out after this many milliseconds: a hung socket must not stall a rule silently'),
  AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: int(0, 100_000)
    .default('50')
    .describe(
      'events-stream requests per minute per org in each worker (Atlassian allows about 50); besides it every worker paces on the budget the API reports left; 0 turns all pacing off',
    ),
  AUDIT_COLLECT_PAGE_LIMIT: int(1, 500).default('500').describe("events per API page (500 is the API's maximum)"),
  AUDIT_COLLECT_PAGES_PER_OBJECT: int(1, 100)
    .default('10')
    .describe('API pages per uploaded object (formerly AUDIT_COLLECT_PAGES_PER_BATCH)'),
  AUDIT_COLLECT_BATCH_SECONDS: int(0, 300)
    .default('20')
    .describe(
      'a collect batch (one activity) writes objects back to back for this long, then reports to the workflow; 0 writes one object per batch',
    ),
  AUDIT_COLLECT_SETTLE_SECONDS: int(0, 3_600)
    .default('60')
    .describe(
      'live reads leave events processed less than this long ago to the next run (Atlassian may show an event a moment after it was processed); 0: no window',
    ),
  AUDIT_COLLECT_ALLOW_UNFENCED_WRITES: bool
    .default('false')
    .describe('accept an S3 server that ignores conditional writes: objects may then be overwritten and two writers of a rule race'),
  AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS: int(0, 3_600)
    .default('60')
    .describe(
      "on SIGTERM or SIGINT in-flight batches may finish for this long; keep it above AUDIT_COLLECT_BATCH_SECONDS and the orchestrator's kill timeout above it",
    ),
  AUDIT_COLLECT_METRICS_ADDRESS: z
    .string()
    .regex(/^(off|[A-Za-z0-9.:[\]-]+:\d{1,5})$/, 'must be host:port such as 127.0.0.1:9464 (0.0.0.0:9464 in a container), or off')
    .default('127.0.0.1:9464')
    .describe('host:port of GET /metrics (Prometheus), /healthz and /readyz (0.0.0.0:9464 in a container), or off'),
  AUDIT_COLLECT_SECRET_ENV_PATTERN: regex
    .default(DEFAULT_SECRET_ENV_PATTERN)
    .describe(
      "the regular expression an env:NAME API-key reference must match, so that a crafted schedule cannot send the worker's other secrets anywhere",
    ),
  AUDIT_COLLECT_SECRETS_DIR: z
    .string()
    .refine(isAbsolute, 'must be an absolute path')
    .optional()
    .describe('the absolute directory file:/path API-key references must resolve inside (symlinks followed); unset, they are refused'),
  AUDIT_COLLECT_ALLOWED_API_HOSTS: hosts
    .default(DEFAULT_ALLOWED_API_HOSTS.join(','))
    .describe("the comma-separated hosts (besides loopback) a connection's baseUrl may name: API keys are sent nowhere else"),
  AUDIT_COLLECT_LOG_FORMAT: z
    .enum(['json', 'text'])
    .default('json')
    .describe("json: one JSON object a line, for log shippers; text: the SDK's plain format"),
  AUDIT_COLLECT_LOG_LEVEL: z
    .enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'])
    .default('INFO')
    .describe('TRACE, DEBUG, INFO, WARN or ERROR'),
  AUDIT_COLLECT_NOTIFY_WEBHOOK_URL: z
    .string()
    .refine(
      (v) => baseUrlProblem(v) === undefined,
      'must be an https:// URL (http:// only to a loopback host: 127.0.0.0/8, localhost, [::1])',
    )
    .optional()
    .describe(
      'where notices go when a rule needs a human, has been failing for two intervals, or recovers (unset: none); a secret, https only, never echoed',
    ),
  AUDIT_COLLECT_NOTIFY_FORMAT: z
    .enum(['json', 'slack'])
    .default('json')
    .describe('json: the notice\'s fields; slack: a Slack-compatible { "text": ... }'),
  AUDIT_COLLECT_WEB_UI: z
    .string()
    .url('must be a URL such as https://temporal.example.com')
    .default(DEFAULT_WEB_UI)
    .describe("the Temporal Web UI's base URL, for the run links in notices and the CLI's backfill links"),
});

/** Variables that changed name: setting the old one is an error, not silently ignored. */
export const RENAMED: Record<string, string> = {
  AUDIT_COLLECT_PAGES_PER_BATCH: 'AUDIT_COLLECT_PAGES_PER_OBJECT (pages per uploaded object)',
};

export type WorkerConfig = z.infer<typeof EnvSchema>;

export function readWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(set);
  const lines = parsed.success ? [] : parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  for (const [old, now] of Object.entries(RENAMED)) {
    if (set[old] !== undefined) lines.push(`  ${old}: renamed ${now}; set that instead`);
  }
  if (!parsed.success || lines.length > 0) throw new SettingsError(`invalid worker environment:\n${lines.join('\n')}`);
  return parsed.data;
}
