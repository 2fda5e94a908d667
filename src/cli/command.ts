// What a command is: its name, help, option and argument spec, and what it runs. The parser and
// the help text both read the spec, so what `--help` says is what the command accepts.
import { parseArgs } from 'node:util';
import { UsageError } from './usage-error';
import type { ExitCode } from './exit-codes';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  /** How help shows a string option's value, e.g. N or DATE. */
  value?: string;
  required?: boolean;
}

export interface ArgSpec<Name extends string = string> {
  name: Name;
  description: string;
}

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean | undefined
  : S['required'] extends true
    ? string
    : string | undefined;

/** What `run` receives: a required string option is always there (the parser checks it). */
export type OptionValues<O extends Record<string, OptionSpec>> = { [K in keyof O]: ValueOf<O[K]> };

interface CommandHelp {
  /** The command as typed: `status`, or `backfill status` for a subcommand. */
  name: string;
  /** One line, for the list of commands. */
  summary: string;
  description: string;
  examples: readonly string[];
  environment?: string;
  /** Optional trailing words, e.g. the command that `help` explains. */
  rest?: ArgSpec;
  /** Chosen by the first argument, e.g. `backfill status`. */
  subcommands?: readonly Command[];
}

export interface RunParams<O extends Record<string, OptionSpec>, A extends string> {
  options: OptionValues<O>;
  args: Record<A, string>;
  rest: string[];
  /** Every command, for `help`. */
  commands: readonly Command[];
}

export interface CommandSpec<O extends Record<string, OptionSpec>, A extends string> extends CommandHelp {
  args: readonly ArgSpec<A>[];
  options: O;
  run(params: RunParams<O, A>): Promise<ExitCode>;
}

/** A command whatever its spec: what the parser, the help and the list of commands handle. */
export interface Command extends CommandHelp {
  args: readonly ArgSpec[];
  options: Record<string, OptionSpec>;
  run(params: ParsedCommandLine & { commands: readonly Command[] }): Promise<ExitCode>;
}

export interface ParsedCommandLine {
  options: Record<string, string | boolean | undefined>;
  args: Record<string, string>;
  rest: string[];
}

export const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };

/** Keeps the spec's option and argument names in the types of what `run` receives. */
export function defineCommand<const O extends Record<string, OptionSpec>, const A extends string = never>(
  spec: CommandSpec<O, A>,
): Command {
  return spec as unknown as Command;
}

/** The command the words name (a subcommand if the next word names one), and the words after it. */
export function findCommand(commands: readonly Command[], words: readonly string[]): { command: Command; rest: string[] } | undefined {
  const command = commands.find((c) => c.name === words[0]);
  if (!command) return undefined;
  const sub = command.subcommands?.find((s) => s.name === `${command.name} ${words[1]}`);
  return sub ? { command: sub, rest: words.slice(2) } : { command, rest: words.slice(1) };
}

export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** `--name VALUE` or `--name`, as help and errors show an option. */
export const optionFlag = (name: string, spec: OptionSpec) => (spec.type === 'string' ? `--${name} ${spec.value ?? 'VALUE'}` : `--${name}`);

/**
 * Checks argv against the command's spec and returns what `run` receives. Strict: an option the
 * spec lacks, a missing value or argument, or one too many is a UsageError, before anything runs.
 * (Tokens rather than parseArgs' own strict mode, so the message names the command's options.)
 */
export function parseCommandLine(params: { command: Command; argv: string[] }): ParsedCommandLine {
  const { command } = params;
  const specs: Record<string, OptionSpec> = { ...command.options, help: HELP_OPTION };
  const { values, positionals, tokens } = parseArgs({
    args: params.argv,
    options: specs,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const known = Object.keys(command.options).map((name) => `--${name}`);
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = specs[token.name];
    if (!spec) {
      throw new UsageError(
        `unknown option ${token.rawName} for '${command.name}'; ${known.length ? `its options are ${known.join(', ')}` : 'it takes no options'}`,
      );
    }
    if (spec.type === 'string' && (token.value === undefined || (!token.inlineValue && token.value.startsWith('-')))) {
      throw new UsageError(`${token.rawName} needs a value: ${optionFlag(token.name, spec)}`);
    }
    if (spec.type === 'boolean' && token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
  }
  for (const [name, spec] of Object.entries(command.options)) {
    if (spec.required && values[name] === undefined)
      throw new UsageError(`'${command.name}' needs ${optionFlag(name, spec)}: ${spec.description}`);
  }
  const args: Record<string, string> = {};
  const missing: string[] = [];
  command.args.forEach((a, i) => {
    const value = positionals[i];
    if (value === undefined) missing.push(`<${a.name}>`);
    else args[a.name] = value;
  });
  if (missing.length > 0) throw new UsageError(`'${command.name}' needs ${missing.join(' ')}`);
  const extra = positionals.slice(command.args.length);
  if (extra.length > 0 && !command.rest) throw new UsageError(`unexpected argument '${extra[0]}' for '${command.name}'`);
  return { options: values as Record<string, string | boolean | undefined>, args, rest: extra };
}
