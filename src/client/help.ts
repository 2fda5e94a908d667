// `audit-collect <command> --help`: what each command does, its options, examples and exit codes.
// (backfill prints its own, from client/backfill.ts.)

const EXIT_CODES = `Exit codes: 0 success; 1 the operation failed (Temporal unreachable, a run failed);
2 bad input (usage, rules file, worker environment); 3 verify found missing, duplicate or
malformed events; 4 no such rule.`;

const CONNECTION = `Environment: TEMPORAL_ADDRESS (default 127.0.0.1:7233), TEMPORAL_NAMESPACE (default 'default').`;

const COMMANDS: Record<string, string> = {
  worker: `Usage: audit-collect worker

Runs a worker: it polls the task queue and runs the collection runs and their batches. Ctrl-C
(or SIGTERM) stops it after in-flight work. Logs go to stdout, one JSON object a line with
time, level, message, ruleId, workflowId and runId; secrets are never written.

Environment (validated at start; a bad value exits 2 naming it):
  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE      the Temporal server (127.0.0.1:7233, default)
  AWS_REGION, AWS_ENDPOINT_URL_S3, AWS credentials; AUDIT_COLLECT_S3_FORCE_PATH_STYLE=true for
                                            S3-compatible servers
  the API-key variables or files the rules' connections name (env:NAME, file:/path)
  AUDIT_COLLECT_METRICS_ADDRESS             Prometheus endpoint host:port, or off (127.0.0.1:9464)
  AUDIT_COLLECT_LOG_FORMAT                  json (default) or text
  AUDIT_COLLECT_LOG_LEVEL                   TRACE, DEBUG, INFO (default), WARN, ERROR
  AUDIT_COLLECT_TASK_QUEUE, AUDIT_COLLECT_HTTP_TIMEOUT_MS, AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE,
  AUDIT_COLLECT_PAGE_LIMIT, AUDIT_COLLECT_PAGES_PER_OBJECT, AUDIT_COLLECT_BATCH_SECONDS
                                            see the README

Examples:
  ATLASSIAN_API_KEY=... AWS_REGION=eu-west-1 audit-collect worker
  AUDIT_COLLECT_METRICS_ADDRESS=0.0.0.0:9464 audit-collect worker | jq -c 'select(.level != "DEBUG")'

${EXIT_CODES}`,

  apply: `Usage: audit-collect apply <rules.yaml> [--prune] [--skip-secret-check] [--json]

Creates or updates one Temporal Schedule per rule in the file. Idempotent: applying the same file
again reports 'unchanged'. The whole file is validated first; a file with errors names every bad
field, exits 2 and changes no schedule.

Options:
  --prune              also delete the schedules of rules no longer in the file
  --skip-secret-check  do not check here that the connections' API-key references resolve
  --json               print the outcomes as JSON

Examples:
  audit-collect apply rules.yaml
  audit-collect apply rules.yaml --prune --json

${CONNECTION}
${EXIT_CODES}`,

  list: `Usage: audit-collect list [--json]

One line per rule: health (OK, WARNING, PAUSED, FAILING), lag (now minus the last processedAt),
events written in the last 24 hours, last successful run, and what is wrong if anything.

Examples:
  audit-collect list
  audit-collect list --json | jq -r '.[] | select(.health.state != "ok") | .ruleId'

${CONNECTION}
${EXIT_CODES}`,

  status: `Usage: audit-collect status <ruleId> [--json]

A rule's health and state: schedule (next run, or the pause note), the cursor (last processedAt)
and lag, events written in all and in the last 24 hours, the last run and its error (class and
message), the last successful run, days until the API key expires (from the connection's
expiresAt; a warning within 14 days), and a warning when the rule has written nothing for longer
than its warnNoDataAfter (default 24h).

Examples:
  audit-collect status acme-audit
  audit-collect status acme-audit --json | jq .health

${CONNECTION}
${EXIT_CODES}`,

  trigger: `Usage: audit-collect trigger <ruleId> [--wait] [--json]

Starts a run now, with overlap SKIP: never a second run beside one in progress. With --wait, waits
for the run and prints its result (on a terminal, with progress on stderr); exits 1 if it failed.

Examples:
  audit-collect trigger acme-audit
  audit-collect trigger acme-audit --wait --json

${CONNECTION}
${EXIT_CODES}`,

  pause: `Usage: audit-collect pause <ruleId> --reason TEXT

Stops scheduling runs for a rule, with a note saying why (shown by status, list and the Web UI).

Example:
  audit-collect pause acme-audit --reason "rotating the API key"

${CONNECTION}
${EXIT_CODES}`,

  resume: `Usage: audit-collect resume <ruleId>

Resumes a paused rule, whether an operator paused it or a failed run did. The next run continues
from the rule's cursor; nothing is collected twice.

Example:
  audit-collect resume acme-audit && audit-collect trigger acme-audit --wait

${CONNECTION}
${EXIT_CODES}`,

  delete: `Usage: audit-collect delete <ruleId>

Deletes a rule's schedule. Its checkpoint in S3 stays, so applying the rule again resumes from
its cursor instead of starting over.

Example:
  audit-collect delete acme-audit

${CONNECTION}
${EXIT_CODES}`,

  verify: `Usage: audit-collect verify <ruleId> [--from ISO] [--to ISO] [--rules FILE] [--json]

Audits completeness: decodes every object under the rule's prefix and reports objects, events,
duplicate event IDs and malformed lines, and (when the API key resolves here) the events the
source has that S3 lacks, by processedAt range. --rules reads the rule from a rules file instead
of its schedule.

Example:
  audit-collect verify acme-audit --from 2026-05-01 --to 2026-05-08

${CONNECTION}
Exit codes: 0 complete; 1 the operation failed; 2 bad input; 3 missing, duplicate or malformed
events found; 4 no such rule.`,

  'codec-server': `Usage: audit-collect codec-server [--port N] [--ui-origin URL]

Serves /decode and /encode for the Web UI when payloads are encrypted with
AUDIT_COLLECT_ENCRYPTION_KEY (default port 8888, origin http://127.0.0.1:8233).

Example:
  AUDIT_COLLECT_ENCRYPTION_KEY=... audit-collect codec-server --port 8888

${EXIT_CODES}`,
};

/** The help of one command, or undefined when there is no such command. */
export function commandHelp(command: string): string | undefined {
  return COMMANDS[command];
}
