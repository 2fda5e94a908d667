// audit-collect backfill: fill a past range of a rule, in parallel, beside live collection.
import { parseConcurrency, parseInstant, startBackfill, startText } from '../../client/backfill';
import { defineCommand } from '../command';
import { connectClient } from '../../temporal/client';
import { EXIT } from '../exit-codes';
import { DEFAULT_BACKFILL_CONCURRENCY, MAX_BACKFILL_CONCURRENCY } from '../../model/backfill';
import { backfillCancelCommand } from './backfill-cancel';
import { backfillStatusCommand } from './backfill-status';
import { JSON_OPTION, RULE_ID_ARG, TEMPORAL_ENVIRONMENT, print } from './common';

export const backfill = defineCommand({
  name: 'backfill',
  summary: 'fill the past range [from, to) of a rule, beside live collection',
  description: `Starts a backfill workflow for the whole UTC days that hold [from, to) (the API's from/to window,
ending before T0): one slice a day, run as child workflows N at a time (--concurrency); each keeps
its own position and resumes after failures. Objects go under the rule's prefix, named by their
first event and cut at the same events by any backfill of a day, so a range run again or an
overlapping range stores no event twice. The live position is never touched, and live requests
go first in the org's request budget.

DATE is an ISO date (2026-05-01, midnight UTC) or date-time with a zone (2026-05-01T12:00:00Z).
Asking again for the same rule and range while it runs starts nothing and prints its ID.
Refused: --from not before --to, --to in the future, --from older than Atlassian's 180 days,
and a range reaching into what live collection covers (from the rule's start point T0 on)
unless --allow-overlap; events processed at or after T0 are always left to live collection.`,
  args: [RULE_ID_ARG],
  options: {
    from: { type: 'string', value: 'DATE', required: true, description: 'the start of the range, inclusive' },
    to: { type: 'string', value: 'DATE', required: true, description: 'the end of the range, exclusive' },
    concurrency: {
      type: 'string',
      value: 'N',
      description: `slices run at a time, 1-${MAX_BACKFILL_CONCURRENCY} (default ${DEFAULT_BACKFILL_CONCURRENCY})`,
    },
    'allow-overlap': { type: 'boolean', description: 'allow a range reaching past T0; events from T0 on stay with live collection' },
    json: JSON_OPTION,
  },
  subcommands: [backfillStatusCommand, backfillCancelCommand],
  examples: [
    'audit-collect backfill acme-audit --from 2026-05-01 --to 2026-05-08 --concurrency 4',
    'audit-collect backfill status backfill-acme-audit-20260501T000000Z-20260508T000000Z --watch',
  ],
  environment: TEMPORAL_ENVIRONMENT,
  async run({ options, args }) {
    const fromMs = parseInstant(options.from, 'from');
    const toMs = parseInstant(options.to, 'to');
    const concurrency = parseConcurrency(options.concurrency);
    const client = await connectClient();
    const outcome = await startBackfill({
      client,
      ruleId: args.ruleId,
      fromMs,
      toMs,
      concurrency,
      allowOverlap: options['allow-overlap'] ?? false,
    });
    print({ json: options.json ?? false, value: outcome, text: () => startText(outcome) });
    return EXIT.ok;
  },
});
