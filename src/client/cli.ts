// audit-collect: the command line for operators. Each command validates its input at the edge,
// prints readable text (or JSON with --json), and exits with a documented code.
import { parseArgs } from 'node:util';
import { ConfigError, readWorkerConfig } from '../worker/config';
import { EncryptionConfigError, UndecryptablePayloadError, codecFromEnv } from '../common/encryption';
import { startCodecServer } from './codec-server';
import { TemporalUnreachableError, connectClient, temporalTarget } from './connection';
import { BackfillNotFoundError, BackfillRequestError, backfillCommand } from './backfill';
import { RulesError, checkSecretReferences, loadRules } from './rules';
import { createAtlassianClient } from '../atlassian/client';
import { createPacer } from '../atlassian/pacer';
import { createS3Client, createS3Store } from '../storage/s3';
import { createSecretResolver } from '../common/secrets';
import { createZstd } from '../pipeline/zstd';
import type { RuleSpec } from '../model/types';
import { verifyRule, verifyText } from './verify';
import {
  RuleNotFoundError,
  scheduledRule,
  applyRules,
  deleteRule,
  managedRuleIds,
  pauseRule,
  resumeRule,
  ruleStatus,
  triggerRule,
} from './schedules';
import { applyText, listText, statusText, styleFor } from './status-text';
import { commandHelp } from './help';
import { withProgress } from './progress';

export const EXIT = { ok: 0, failed: 1, usage: 2, problemsFound: 3, notFound: 4 } as const;

const HELP = `audit-collect: collect Atlassian organization audit logs into S3 with Temporal schedules

Usage: audit-collect <command> [options]
       audit-collect <command> --help    a command's options, examples and exit codes

Commands:
  worker                          run a worker (Ctrl-C stops it after in-flight work)
  codec-server [--port N] [--ui-origin URL]
                                  serve /decode and /encode for the Web UI when payloads are
                                  encrypted (default port 8888, origin http://127.0.0.1:8233)
  apply <rules.yaml> [--prune]    create or update one schedule per rule; idempotent.
                                  --prune deletes schedules of rules no longer in the file;
                                  checks that API-key references resolve here unless
                                  --skip-secret-check
  list [--json]                   one line per rule: health, lag, events in 24h, last success
  status <ruleId> [--json]        a rule's health: last success, lag, last error, pause reason,
                                  API key expiry, cursor position, events and objects written
  trigger <ruleId> [--wait]       start a run now (skipped if one is running); --wait waits for it
  pause <ruleId> --reason TEXT    stop scheduling runs for a rule, with a note saying why
  resume <ruleId>                 resume a paused rule from its cursor
  delete <ruleId>                 delete a rule's schedule (its checkpoint in S3 stays)
  verify <ruleId> [--from ISO] [--to ISO] [--rules FILE] [--json]
                                  audit completeness: decode every object under the rule's
                                  prefix; report objects, events, duplicate IDs, malformed
                                  lines and (when the API key resolves here) events the
                                  source has that S3 lacks, by processedAt range
  backfill <ruleId> --from DATE --to DATE [--concurrency N] [--allow-overlap]
                                  fill the past range [from, to) of a rule with a backfill
                                  workflow (slices in parallel, beside live collection);
                                  asking again for the same range starts nothing new
  backfill status <backfillId> [--watch]
                                  slices done, events, bytes, position, rate, progress bar, ETA
  backfill cancel <backfillId>    stop a backfill after the current batches

Examples:
  audit-collect apply rules.yaml
  audit-collect status acme-audit --json
  audit-collect backfill acme-audit --from 2026-05-01 --to 2026-05-08 --concurrency 4
  audit-collect pause acme-audit --reason "rotating the API key"

Environment:
  TEMPORAL_ADDRESS (default 127.0.0.1:7233), TEMPORAL_NAMESPACE (default 'default');
  the worker also reads AWS_ENDPOINT_URL_S3, AWS_REGION, AWS credentials,
  AUDIT_COLLECT_S3_FORCE_PATH_STYLE=true for S3-compatible servers, and the API-key
  variables or files named by the rules' connections. Optional payload encryption:
  AUDIT_COLLECT_ENCRYPTION_KEY (32 bytes, base64), AUDIT_COLLECT_ENCRYPTION_KEY_ID and, while
  rotating, AUDIT_COLLECT_ENCRYPTION_OLD_KEYS (id:base64key,...) on the worker, the CLI and the
  codec server.

Exit codes: 0 success; 1 the operation failed (a run failed, Temporal unreachable);
2 bad input (usage, rules file); 3 verify found missing, duplicate or malformed events;
4 no such rule.`;

class UsageError extends Error {}

function print(json: boolean, value: unknown, text: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : text());
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one ${what}, got ${positionals.length}`);
  return positionals[0];
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'help' && rest[0] && commandHelp(rest[0])) {
    console.log(commandHelp(rest[0]));
    return EXIT.ok;
  }
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP);
    return command ? EXIT.ok : EXIT.usage;
  }
  // Backfill has its own options and help (client/backfill.ts).
  if (command === 'backfill') return backfillCommand({ argv: rest, connect: () => connectClient() });

  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, prune: { type: 'boolean' }, wait: { type: 'boolean' }, reason: { type: 'string' }, 'skip-secret-check': { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' }, rules: { type: 'string' }, port: { type: 'string' }, 'ui-origin': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(commandHelp(command) ?? HELP);
    return EXIT.ok;
  }
  const json = values.json ?? false;

  if (command === 'worker') {
    // Loaded only here: the worker's native runtime is not needed by the other commands.
    const { createCollectorWorker } = require('../worker/worker') as typeof import('../worker/worker');
    const { installTelemetry } = require('../worker/telemetry') as typeof import('../worker/telemetry');
    const config = readWorkerConfig();
    installTelemetry({ config });
    const worker = await createCollectorWorker({ config });
    const metrics = config.AUDIT_COLLECT_METRICS_ADDRESS === 'off' ? 'metrics off' : `metrics at http://${config.AUDIT_COLLECT_METRICS_ADDRESS}/metrics`;
    console.error(`worker polling task queue '${config.AUDIT_COLLECT_TASK_QUEUE}' on ${config.TEMPORAL_ADDRESS}; ${metrics}`);
    await worker.run();
    // Closing the connection lets the SDK's runtime shut down, so the process exits.
    await worker.connection?.close();
    return EXIT.ok;
  }

  if (command === 'codec-server') {
    const codec = codecFromEnv();
    if (!codec) throw new UsageError('codec-server needs AUDIT_COLLECT_ENCRYPTION_KEY (the key the worker encrypts with)');
    const port = Number(values.port ?? 8888);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not '${values.port}'`);
    const server = await startCodecServer({ codec, port, allowOrigin: values['ui-origin'] ?? 'http://127.0.0.1:8233' });
    console.error(`codec server at ${server.url}; start the Web UI with --ui-codec-endpoint ${server.url}`);
    await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
    await server.close();
    return EXIT.ok;
  }

  if (command === 'apply') {
    const file = one(positionals, 'rules file');
    const rules = loadRules(file); // validated before any schedule is touched
    const secretProblems = values['skip-secret-check'] ? [] : checkSecretReferences(rules);
    if (secretProblems.length > 0) throw new RulesError(file, secretProblems);
    const client = await connectClient();
    const outcomes = await applyRules({ client, rules, prune: values.prune ?? false, taskQueue: process.env.AUDIT_COLLECT_TASK_QUEUE });
    print(json, outcomes, () => applyText(outcomes));
    return EXIT.ok;
  }

  const client = await connectClient();
  switch (command) {
    case 'list': {
      const statuses = await withProgress({
        label: 'reading the rules\' schedules and runs...',
        work: managedRuleIds(client).then((ids) => Promise.all(ids.map((ruleId) => ruleStatus({ client, ruleId })))),
      });
      print(json, statuses, () => listText(statuses, styleFor(process.stdout)));
      return EXIT.ok;
    }
    case 'status': {
      const status = await ruleStatus({ client, ruleId: one(positionals, 'rule id') });
      print(json, status, () => statusText(status, styleFor(process.stdout)));
      return EXIT.ok;
    }
    case 'trigger': {
      const ruleId = one(positionals, 'rule id');
      const triggering = triggerRule({ client, ruleId, wait: values.wait ?? false });
      const outcome = values.wait ? await withProgress({ label: `waiting for the run of ${ruleId}...`, work: triggering }) : await triggering;
      print(json, outcome, () =>
        !outcome.started ? `not started: ${outcome.reason}`
        : values.wait ? `${outcome.run.status} ${outcome.run.workflowId}: ${outcome.run.result ? `${outcome.run.result.run.events} events, ${outcome.run.result.run.objects} objects` : (outcome.run.failure ?? '')}`
        : 'triggered',
      );
      return outcome.started && values.wait && outcome.run.status !== 'COMPLETED' ? EXIT.failed : EXIT.ok;
    }
    case 'pause': {
      if (!values.reason) throw new UsageError('pause needs --reason "why", so the next operator knows');
      const ruleId = one(positionals, 'rule id');
      await pauseRule({ client, ruleId, reason: values.reason });
      console.log(`paused ${ruleId}`);
      return EXIT.ok;
    }
    case 'resume': {
      const ruleId = one(positionals, 'rule id');
      await resumeRule({ client, ruleId });
      console.log(`resumed ${ruleId}`);
      return EXIT.ok;
    }
    case 'delete': {
      const ruleId = one(positionals, 'rule id');
      await deleteRule({ client, ruleId });
      console.log(`deleted the schedule of ${ruleId}; its checkpoint stays in S3, so applying it again resumes`);
      return EXIT.ok;
    }
    case 'verify': {
      const ruleId = one(positionals, 'rule id');
      const fromMs = isoOption('from', values.from);
      const toMs = isoOption('to', values.to);
      const rule = values.rules ? ruleFromFile(values.rules, ruleId) : await scheduledRule({ client, ruleId });
      const report = await runVerify({ rule, fromMs, toMs, progress: !json && process.stderr.isTTY });
      print(json, report, () => verifyText(report));
      return report.ok ? EXIT.ok : EXIT.problemsFound;
    }
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

function isoOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) throw new UsageError(`--${name} must be an ISO date such as 2026-11-01 or 2026-11-01T12:00:00Z, not '${value}'`);
  return ms;
}

function ruleFromFile(file: string, ruleId: string) {
  const found = loadRules(file).find((r) => r.spec.id === ruleId);
  if (!found) throw new RuleNotFoundError(ruleId);
  return found.spec;
}

async function runVerify(params: { rule: RuleSpec; fromMs?: number; toMs?: number; progress: boolean }) {
  const config = readWorkerConfig();
  const s3 = createS3Client({ forcePathStyle: config.AUDIT_COLLECT_S3_FORCE_PATH_STYLE });
  let source: Parameters<typeof verifyRule>[0]['source'];
  try {
    const resolver = createSecretResolver({ envPattern: config.AUDIT_COLLECT_SECRET_ENV_PATTERN, secretsDir: config.AUDIT_COLLECT_SECRETS_DIR });
    const apiKey = resolver.resolve({ connection: params.rule.connection });
    const pacer = createPacer({ perMinute: config.AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE, burst: 10 });
    source = { source: createAtlassianClient({ timeoutMs: config.AUDIT_COLLECT_HTTP_TIMEOUT_MS, pacer }), apiKey };
  } catch (error) {
    source = { reason: `${params.rule.connection.apiKeyRef} does not resolve here (${(error as Error).message.split('. ')[0]})` };
  }
  return verifyRule({
    rule: params.rule,
    s3,
    store: createS3Store(s3),
    compressor: createZstd(),
    source,
    fromMs: params.fromMs,
    toMs: params.toMs,
    onProgress: params.progress ? (done, total) => process.stderr.write(`\rreading objects ${done}/${total}`) : undefined,
  }).finally(() => params.progress && process.stderr.write('\n'));
}

export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`audit-collect: ${(error as Error).message}\nRun 'audit-collect --help' for usage.`);
      return EXIT.usage;
    }
    if (error instanceof RulesError || error instanceof ConfigError || error instanceof EncryptionConfigError) {
      console.error(`audit-collect: ${error.message}\nNo schedule was changed.`);
      return EXIT.usage;
    }
    if (error instanceof BackfillRequestError) {
      console.error(`audit-collect backfill: ${error.message}\nNothing was started. Run 'audit-collect backfill --help' for usage.`);
      return EXIT.usage;
    }
    if (error instanceof RuleNotFoundError || error instanceof BackfillNotFoundError) {
      console.error(`audit-collect: ${error.message}`);
      return EXIT.notFound;
    }
    if (error instanceof UndecryptablePayloadError) {
      console.error(`audit-collect: ${error.message}`);
      return EXIT.usage;
    }
    if (/Unknown encoding: binary\/encrypted/.test(String((error as Error).message))) {
      console.error('audit-collect: the payloads are encrypted; set AUDIT_COLLECT_ENCRYPTION_KEY (and _KEY_ID) to the key the worker uses');
      return EXIT.usage;
    }
    if (error instanceof TemporalUnreachableError) {
      console.error(`audit-collect: ${error.message}`);
      return EXIT.failed;
    }
    console.error(`audit-collect: ${(error as Error).message ?? String(error)} (Temporal at ${temporalTarget().address})`);
    return EXIT.failed;
  }
}

if (require.main === module || process.argv[1]?.endsWith('audit-collect')) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Exit once the command is done, even if idle keep-alive sockets would hold the process open.
    setTimeout(() => process.exit(code), 10).unref();
  });
}
