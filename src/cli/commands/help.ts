// audit-collect help: the list of commands, or one command's help.
import { defineCommand, findCommand } from '../command';
import { EXIT } from '../exit-codes';
import { commandHelp, topLevelHelp } from '../help';
import { UsageError } from '../usage-error';

export const help = defineCommand({
  name: 'help',
  summary: "this list, or a command's help",
  description:
    "Prints the list of commands, or, given a command, its arguments, options, examples and exit codes\n(the same as 'audit-collect <command> --help').",
  args: [],
  rest: { name: 'command', description: 'a command, e.g. status or backfill status' },
  options: {},
  examples: ['audit-collect help', 'audit-collect help backfill status'],
  async run({ rest, commands }) {
    if (rest.length === 0) {
      console.log(topLevelHelp(commands));
      return EXIT.ok;
    }
    const found = findCommand(commands, rest);
    if (!found || found.rest.length > 0) throw new UsageError(`unknown command '${rest.join(' ')}'`, '');
    console.log(commandHelp(found.command));
    return EXIT.ok;
  },
});
