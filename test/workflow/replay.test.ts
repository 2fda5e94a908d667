// Histories of real runs (saved by `npx tsx dev/save-histories.ts`) must replay with today's
// workflow code: a change that would break runs in flight fails here with a DeterminismViolationError.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { quietSdkLogs, workflowsPath } from '../helpers/workflow-env';
import { loadHistory } from '../helpers/histories';

const DIR = join(__dirname, '..', 'fixtures', 'histories');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

beforeAll(quietSdkLogs);

test('the saved histories cover an idle and a catch-up collect run, a backfill and a slice', () => {
  // Older histories kept beside these (renamed before saving new ones) are replayed too.
  expect(FILES).toEqual(
    expect.arrayContaining(['backfill-parent.json', 'backfill-slice.json', 'collect-catch-up.json', 'collect-idle.json']),
  );
});

test('every saved history replays without a determinism violation', async () => {
  const histories = FILES.map((file) => loadHistory(join(DIR, file)));
  const outcomes: Array<{ workflowId: string; error: string | null }> = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath }, histories)) {
    if (result.error && !(result.error instanceof DeterminismViolationError)) throw result.error;
    outcomes.push({ workflowId: result.workflowId, error: result.error ? `${result.error.name}: ${result.error.message}` : null });
  }
  expect(outcomes).toEqual(histories.map(({ workflowId }) => ({ workflowId, error: null })));
});
