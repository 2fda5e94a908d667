// audit-collect: the command line for operators. Each command validates its input at the edge,
// prints readable text (or JSON with --json), and exits with a documented code.
import { parseArgs } from 'node:util';
import { ConfigError, readWorkerConfig } from '../worker/config';
import { TemporalUnreachableError, connectClient, temporalTarget } from './connection';
import { RulesError, loadRules } from './rules';
import {
  RuleNotFoundError,
  applyRules,
  deleteRule,
  managedRuleIds,
  pauseRule,
  resumeRule,
  ruleStatus,
  triggerRule,
  type RuleStatus,
} from './schedules';

export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 4 } as const;

const HELP = `audit-collect: collect Atlassian organization audit logs into S3 with Temporal schedules

Usage: audit-collect <command> [options]

Commands:
  worker                          run a worker (Ctrl-C stops it after in-flight work)
  apply <rules.yaml> [--prune]    create or update one schedule per rule; idempotent.
                                  --prune deletes schedules of rules no longer in the file
  list [--json]                   the rules that have schedules, with their state
  status <ruleId> [--json]        schedule state, last run, cursor position, events and objects written
  trigger <ruleId> [--wait]       start a run now (skipped if one is running); --wait waits for it
  pause <ruleId> --reason TEXT    stop scheduling runs for a rule, with a note saying why
  resume <ruleId>                 resume a paused rule from its cursor
  delete <ruleId>                 delete a rule's schedule (its checkpoint in S3 stays)

Examples:
  audit-collect apply rules.yaml
  audit-collect status acme-audit --json
  audit-collect pause acme-audit --reason "rotating the API key"

Environment:
  TEMPORAL_ADDRESS (default 127.0.0.1:7233), TEMPORAL_NAMESPACE (default 'default');
  the worker also reads AWS_ENDPOINT_URL_S3, AWS_REGION, AWS credentials,
  AUDIT_COLLECT_S3_FORCE_PATH_STYLE=true for S3-compatible servers, and the API-key
  variables or files named by the rules' connections.

Exit codes: 0 success; 1 the operation failed (a run failed, Temporal unreachable);
2 bad input (usage, rules file); 4 no such rule.`;

class UsageError extends Error {}

function print(json: boolean, value: unknown, text: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : text());
}

function statusText(s: RuleStatus): string {
  const lines = [
    `rule        ${s.ruleId} (${s.displayName})`,
    `org         ${s.orgId}`,
    `destination s3://${s.bucket}/${s.prefix}`,
    `schedule    ${s.scheduleId}, every ${s.interval}, ${s.paused ? `PAUSED: ${s.note ?? ''}` : s.running ? 'running now' : `next run ${s.nextRunAt ?? '-'}`}`,
    `cursor      last processedAt ${s.lastProcessedAt ?? '(no events yet)'}`,
    `written     ${s.totals.events} events in ${s.totals.objects} objects (${s.totals.bytes} bytes compressed)`,
  ];
  if (s.lastRun) lines.push(`last run    ${s.lastRun.status} ${s.lastRun.closedAt ?? s.lastRun.startedAt} ${s.lastRun.workflowId}`);
  if (s.lastRun?.failure) lines.push(`last error  ${s.lastRun.failure}`);
  if (s.lastSuccess) lines.push(`last ok     ${s.lastSuccess.closedAt}: ${s.lastSuccess.result.run.events} events, ${s.lastSuccess.result.run.objects} objects`);
  return lines.join('\n');
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one ${what}, got ${positionals.length}`);
  return positionals[0];
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP);
    return command ? EXIT.ok : EXIT.usage;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, prune: { type: 'boolean' }, wait: { type: 'boolean' }, reason: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const json = values.json ?? false;

  if (command === 'worker') {
    // Loaded only here: the worker's native runtime is not needed by the other commands.
    const { createCollectorWorker } = require('../worker/worker') as typeof import('../worker/worker');
    const config = readWorkerConfig();
    const worker = await createCollectorWorker({ config });
    console.error(`worker polling task queue '${config.AUDIT_COLLECT_TASK_QUEUE}' on ${config.TEMPORAL_ADDRESS}`);
    await worker.run();
    return EXIT.ok;
  }

  if (command === 'apply') {
    const file = one(positionals, 'rules file');
    const rules = loadRules(file); // validated before any schedule is touched
    const client = await connectClient();
    const outcomes = await applyRules({ client, rules, prune: values.prune ?? false, taskQueue: process.env.AUDIT_COLLECT_TASK_QUEUE });
    print(json, outcomes, () => outcomes.map((o) => `${o.action.padEnd(9)} ${o.ruleId}`).join('\n'));
    return EXIT.ok;
  }

  const client = await connectClient();
  switch (command) {
    case 'list': {
      const statuses = await Promise.all((await managedRuleIds(client)).map((ruleId) => ruleStatus({ client, ruleId })));
      print(json, statuses, () =>
        statuses.length === 0
          ? 'no rules; create them with: audit-collect apply rules.yaml'
          : statuses
              .map((s) => `${s.ruleId.padEnd(24)} ${(s.paused ? 'paused' : s.running ? 'running' : 'active').padEnd(8)} ${String(s.totals.events).padStart(9)} events  last ${s.lastRun?.status ?? '-'}  cursor ${s.lastProcessedAt ?? '-'}`)
              .join('\n'),
      );
      return EXIT.ok;
    }
    case 'status': {
      const status = await ruleStatus({ client, ruleId: one(positionals, 'rule id') });
      print(json, status, () => statusText(status));
      return EXIT.ok;
    }
    case 'trigger': {
      const outcome = await triggerRule({ client, ruleId: one(positionals, 'rule id'), wait: values.wait ?? false });
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
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`audit-collect: ${(error as Error).message}\nRun 'audit-collect --help' for usage.`);
      return EXIT.usage;
    }
    if (error instanceof RulesError || error instanceof ConfigError) {
      console.error(`audit-collect: ${error.message}\nNo schedule was changed.`);
      return EXIT.usage;
    }
    if (error instanceof RuleNotFoundError) {
      console.error(`audit-collect: ${error.message}`);
      return EXIT.notFound;
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
    if (process.argv[2] !== 'worker') setTimeout(() => process.exit(code), 10).unref();
  });
}
