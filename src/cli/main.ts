// audit-collect: the command line for operators. Finds the command, checks its options and
// arguments against its spec before anything connects, runs it, and turns what it throws into a
// message and an exit code (errors.ts). bin/audit-collect calls main().
import { findCommand, parseCommandLine, wantsHelp } from './command';
import { COMMANDS } from './commands';
import { describeError } from './errors';
import { EXIT, type ExitCode } from './exit-codes';
import { commandHelp, topLevelHelp, versionText } from './help';
import { UsageError } from './usage-error';

/** Runs the command argv names and returns its exit code; never throws. */
export async function main(argv: string[]): Promise<ExitCode> {
  const [name] = argv;
  if (name === '--version' || name === '-V') {
    console.log(versionText());
    return EXIT.ok;
  }
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(topLevelHelp(COMMANDS));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const found = findCommand(COMMANDS, argv);
  try {
    if (!found) throw new UsageError(`unknown command '${name}'; the commands are ${COMMANDS.map((c) => c.name).join(', ')}`);
    const { command, rest } = found;
    if (wantsHelp(rest)) {
      console.log(commandHelp(command));
      return EXIT.ok;
    }
    const parsed = parseCommandLine({ command, argv: rest });
    return await command.run({ ...parsed, commands: COMMANDS });
  } catch (error) {
    const { exit, text } = describeError({ error, command: found?.command.name });
    console.error(text);
    return exit;
  }
}
