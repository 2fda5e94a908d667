// Help texts, generated from the commands' specs: `audit-collect --help`, `<command> --help` and
// `help <command>` print what the parser accepts.
import { readBuildInfo } from '../common/build-info';
import { DEFAULT_TEMPORAL_ADDRESS, DEFAULT_TEMPORAL_NAMESPACE } from '../temporal/settings';
import { HELP_OPTION, optionFlag, type Command, type OptionSpec } from './command';
import { exitCodesText } from './exit-codes';

const INTRO = 'audit-collect: collect Atlassian organization audit logs into S3 with Temporal schedules';

const EXAMPLES = [
  'audit-collect apply rules.yaml',
  'audit-collect status acme-audit --json',
  'audit-collect backfill acme-audit --from 2026-05-01 --to 2026-05-08 --concurrency 4',
  'audit-collect pause acme-audit --reason "rotating the API key"',
];

const ENVIRONMENT = `Environment:
  TEMPORAL_ADDRESS (default ${DEFAULT_TEMPORAL_ADDRESS}), TEMPORAL_NAMESPACE (default '${DEFAULT_TEMPORAL_NAMESPACE}'),
  TEMPORAL_API_KEY, TEMPORAL_TLS and TEMPORAL_TLS_* (client certificate and key, server CA,
  server name), TEMPORAL_PROFILE and TEMPORAL_CONFIG_FILE, as the temporal CLI reads them;
  the worker also reads AWS_ENDPOINT_URL_S3, AWS_REGION, AWS credentials,
  AUDIT_COLLECT_S3_FORCE_PATH_STYLE=true for S3-compatible servers, and the API-key
  variables or files named by the rules' connections. Optional payload encryption:
  AUDIT_COLLECT_ENCRYPTION_KEY (32 bytes, base64), AUDIT_COLLECT_ENCRYPTION_KEY_ID and, while
  rotating, AUDIT_COLLECT_ENCRYPTION_OLD_KEYS (id:base64key,...) on the worker, the CLI and the
  codec server.`;

/** `audit-collect 0.2.0 (commit 1a2b3c…)`: what `--version` prints. */
export function versionText(): string {
  const { version, commit } = readBuildInfo();
  return `audit-collect ${version} (commit ${commit})`;
}

function optionLabel(name: string, spec: OptionSpec): string {
  return spec.short ? `-${spec.short}, ${optionFlag(name, spec)}` : optionFlag(name, spec);
}

/** The command, its arguments and options as typed, e.g. `pause <ruleId> --reason TEXT`. */
export function usageLine(command: Command): string {
  const args = command.args.map((a) => `<${a.name}>`);
  const rest = command.rest ? [`[${command.rest.name}]`] : [];
  const options = Object.entries(command.options).map(([name, spec]) =>
    spec.required ? optionFlag(name, spec) : `[${optionFlag(name, spec)}]`,
  );
  return [command.name, ...args, ...rest, ...options].join(' ');
}

/** The command and its arguments only, for the list of commands. */
function synopsis(command: Command): string {
  return [command.name, ...command.args.map((a) => `<${a.name}>`), ...(command.rest ? [`[${command.rest.name}]`] : [])].join(' ');
}

/** Two columns; a left cell too wide for the column puts its text on the next line. */
function table(rows: Array<[string, string]>, width: number): string[] {
  return rows.flatMap(([left, right]) =>
    left.length + 2 > width ? [`  ${left}`, `  ${''.padEnd(width)}${right}`] : [`  ${left.padEnd(width)}${right}`],
  );
}

const section = (title: string, lines: string[]) => (lines.length > 0 ? [`${title}:`, ...lines].join('\n') : undefined);

/** Every command (and subcommand), in the order given. */
export function allCommands(commands: readonly Command[]): Command[] {
  return commands.flatMap((c) => [c, ...(c.subcommands ?? [])]);
}

export function topLevelHelp(commands: readonly Command[]): string {
  return [
    INTRO,
    [
      'Usage: audit-collect <command> [options]',
      "       audit-collect <command> --help    a command's arguments, options, examples and exit codes",
      '       audit-collect help <command>      the same',
      '       audit-collect --version           the version and the git commit of this build',
    ].join('\n'),
    section(
      'Commands',
      table(
        allCommands(commands).map((c) => [synopsis(c), c.summary]),
        32,
      ),
    ),
    section(
      'Examples',
      EXAMPLES.map((e) => `  ${e}`),
    ),
    ENVIRONMENT,
    exitCodesText(),
  ].join('\n\n');
}

export function commandHelp(command: Command): string {
  const forms = [command, ...(command.subcommands ?? [])].map(usageLine);
  const options = Object.entries({ ...command.options, help: HELP_OPTION }).map(([name, spec]): [string, string] => [
    optionLabel(name, spec),
    spec.required ? `${spec.description} (required)` : spec.description,
  ]);
  const args = [...command.args, ...(command.rest ? [command.rest] : [])].map((a): [string, string] => [`<${a.name}>`, a.description]);
  const subcommands = (command.subcommands ?? []).map((s): [string, string] => [synopsis(s), s.summary]);
  return [
    `Usage: ${forms.map((f) => `audit-collect ${f}`).join('\n       ')}`,
    command.description,
    section('Arguments', table(args, 22)),
    section('Options', table(options, 22)),
    section('Subcommands (each has its own --help)', table(subcommands, 30)),
    section(
      'Examples',
      command.examples.map((e) => `  ${e}`),
    ),
    command.environment,
    exitCodesText(),
  ]
    .filter((part): part is string => part !== undefined)
    .join('\n\n');
}
