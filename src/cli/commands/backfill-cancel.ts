// audit-collect backfill cancel: stop a backfill after the current batches.
import { cancelBackfill } from '../../client/backfill';
import { defineCommand } from '../command';
import { connectClient } from '../../temporal/client';
import { EXIT } from '../exit-codes';
import { JSON_OPTION, TEMPORAL_ENVIRONMENT } from './common';

export const backfillCancelCommand = defineCommand({
  name: 'backfill cancel',
  summary: 'stop a backfill after the current batches',
  description: 'Asks the running slices of a backfill to stop after their current batch.',
  args: [{ name: 'backfillId', description: "the ID 'audit-collect backfill' printed" }],
  options: { json: JSON_OPTION },
  examples: ['audit-collect backfill cancel backfill-acme-audit-20260501T000000Z-20260508T000000Z'],
  environment: TEMPORAL_ENVIRONMENT,
  async run({ options, args }) {
    const { backfillId } = args;
    const client = await connectClient();
    const outcome = await cancelBackfill({ client, backfillId });
    const text = outcome.cancelled
      ? `cancel requested for ${backfillId}; running slices stop after their current batch`
      : `${backfillId} is not running (${outcome.status}); nothing to cancel`;
    console.log(options.json ? JSON.stringify(outcome) : text);
    return EXIT.ok;
  },
});
