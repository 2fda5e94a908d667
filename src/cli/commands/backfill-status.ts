// audit-collect backfill status: a backfill's progress, once or followed to the end.
import type { Client } from '@temporalio/client';
import { backfillStatus, backfillText } from '../../client/backfill';
import { defineCommand } from '../command';
import { connectClient } from '../../temporal/client';
import { EXIT, type ExitCode } from '../exit-codes';
import { styleFor } from '../../client/status/text';
import { JSON_OPTION, TEMPORAL_ENVIRONMENT } from './common';

const WATCH_INTERVAL_MS = 2_000;

async function showStatus(params: { client: Client; backfillId: string; json: boolean; watch: boolean }): Promise<ExitCode> {
  const style = styleFor(process.stdout);
  const redraw = params.watch && Boolean(process.stdout.isTTY) && !params.json;
  let previousLines = 0;
  for (;;) {
    const status = await backfillStatus({ client: params.client, backfillId: params.backfillId });
    const text = params.json ? JSON.stringify(status, null, 2) : backfillText(status, style);
    // On a terminal --watch rewrites the block in place; piped, each update is appended as plain text.
    if (redraw && previousLines > 0) process.stdout.write(`\x1b[${previousLines}F\x1b[0J`);
    console.log(text);
    previousLines = text.split('\n').length;
    if (!params.watch || status.status !== 'RUNNING') return status.status === 'FAILED' ? EXIT.failed : EXIT.ok;
    await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS));
  }
}

export const backfillStatusCommand = defineCommand({
  name: 'backfill status',
  summary: 'slices done, events, bytes, position, rate, progress bar, ETA',
  description: `Shows a backfill's slices done, events, bytes, position, rate, a progress bar and an ETA (plain
text when piped). Exits 1 if the backfill failed.`,
  args: [{ name: 'backfillId', description: "the ID 'audit-collect backfill' printed" }],
  options: {
    watch: { type: 'boolean', description: 'follow it until it ends' },
    json: JSON_OPTION,
  },
  examples: ['audit-collect backfill status backfill-acme-audit-20260501T000000Z-20260508T000000Z --watch'],
  environment: TEMPORAL_ENVIRONMENT,
  async run({ options, args }) {
    const client = await connectClient();
    return showStatus({ client, backfillId: args.backfillId, json: options.json ?? false, watch: options.watch ?? false });
  },
});
