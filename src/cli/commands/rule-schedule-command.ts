// A command that does one thing to a rule's schedule and says it is done (resume).
import type { Client } from '@temporalio/client';
import { defineCommand, type Command } from '../command';
import { connectClient } from '../../temporal/client';
import { EXIT } from '../exit-codes';
import { RULE_ID_ARG, TEMPORAL_ENVIRONMENT } from './common';

export function ruleScheduleCommand(spec: {
  name: string;
  summary: string;
  description: string;
  examples: readonly string[];
  act: (params: { client: Client; ruleId: string }) => Promise<void>;
  done: (ruleId: string) => string;
}): Command {
  const { act, done, ...help } = spec;
  return defineCommand({
    ...help,
    args: [RULE_ID_ARG],
    options: {},
    environment: TEMPORAL_ENVIRONMENT,
    async run({ args }) {
      const client = await connectClient();
      await act({ client, ruleId: args.ruleId });
      console.log(done(args.ruleId));
      return EXIT.ok;
    },
  });
}
