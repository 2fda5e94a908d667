// Issue 6's proof that a run reads well in the Temporal Web UI: a real browser (Debian's chromium
// driven by playwright-core) opens a rule's schedule and one of its runs in the dev server's Web UI
// and finds the rule's name, its status and the run's summary, and never the API key.
import { chromium, type Browser, type Page } from 'playwright-core';
import { startSimulator, type Simulator } from '../../dev/simulator/server';
import { CHROMIUM, CHROMIUM_ARGS } from '../../dev/infra/binaries';
import { stopAll } from '../helpers/processes';
import { writeRulesFile } from '../helpers/rules-file';
import { TEST_SERVERS, createBucket, runCli, startWorker, useTestEnv } from '../helpers/servers';

const ORG = '0b9d8c7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e';
const API_KEY = 'webui-secret-api-key-5c2e8a41';
const BUCKET = 'audit-webui';
const RULE = 'webui-audit';
const DISPLAY_NAME = 'web-ui-org-atlassian-audit';
const UI = `http://127.0.0.1:${TEST_SERVERS.uiPort}/namespaces/default`;

let sim: Simulator;
let worker: { stop(): Promise<void> };
let browser: Browser;
let page: Page;
let run: { workflowId: string; runId: string };

/** The page's visible text once `expected` shows up in it (the Web UI renders after its API calls). */
async function textOnceShown(url: string, expected: string | RegExp): Promise<string> {
  await page.goto(url);
  await shown(expected);
  return page.locator('body').innerText();
}

async function shown(expected: string | RegExp): Promise<void> {
  await page.getByText(expected).first().waitFor({ timeout: 60_000 });
}

/** The text of the page and its frames (the Web UI renders markdown metadata in frames). */
async function framesTextOnceShown(expected: RegExp): Promise<string> {
  for (let tries = 0; tries < 120; tries++) {
    const texts = await Promise.all(
      page.frames().map((frame) =>
        frame
          .locator('body')
          .innerText()
          .catch(() => ''),
      ),
    );
    const text = texts.join('\n');
    if (expected.test(text)) return text;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the Web UI never showed ${expected}`);
}

beforeAll(async () => {
  useTestEnv({ ATLASSIAN_WEBUI_API_KEY: API_KEY });
  sim = await startSimulator({ seed: 5, orgs: [{ orgId: ORG, apiKeys: [API_KEY], events: 700 }], rateLimitPerMinute: 0 });
  await createBucket(BUCKET);
  const rulesFile = writeRulesFile({
    connections: [{ name: 'webui', orgId: ORG, apiKey: 'env:ATLASSIAN_WEBUI_API_KEY', baseUrl: sim.url }],
    rules: [{ id: RULE, displayName: DISPLAY_NAME, connection: 'webui', bucket: BUCKET, prefix: 'atlassian/audit/', interval: '1h' }],
  });
  worker = await startWorker({
    ATLASSIAN_WEBUI_API_KEY: API_KEY,
    AUDIT_COLLECT_PAGES_PER_OBJECT: '1',
    AUDIT_COLLECT_BATCH_SECONDS: '0',
    AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE: '0',
  });
  expect((await runCli(['apply', rulesFile])).code).toBe(0);
  const triggered = await runCli(['trigger', RULE, '--wait', '--json']);
  expect(triggered.code).toBe(0);
  run = JSON.parse(triggered.stdout).run;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage();
});

afterAll(() =>
  stopAll(
    () => browser?.close(),
    () => worker?.stop(),
    () => sim?.close(),
  ),
);

test("the rule's schedule page shows the rule's name and status, and not the API key", async () => {
  const text = await textOnceShown(`${UI}/schedules/audit-collect-${RULE}`, `collect-${RULE}-`);
  expect(text).toContain(`audit-collect-${RULE}`);
  expect(text).toContain(`"displayName": "${DISPLAY_NAME}"`);
  expect(text).toMatch(/^Running$/m); // the schedule is active, not paused
  expect(text).toContain(run.workflowId); // its recent run, by the rule's workflow ID
  expect(await page.content()).not.toContain(API_KEY);
});

test("a run's page shows its summary, the batches' summaries and its status, and not the API key", async () => {
  const summary = `Collect ${DISPLAY_NAME} (${RULE}) into s3://${BUCKET}/atlassian/audit/`;
  const text = await textOnceShown(`${UI}/workflows/${run.workflowId}/${run.runId}/history`, summary);
  expect(text).toMatch(/^Completed$/m);
  expect(text).toMatch(new RegExp(`collectBatch • ${RULE} batch 1 after start \\d{4}-`));
  expect(text).toMatch(new RegExp(`collectBatch • ${RULE} batch 2 after \\d{4}-`));
  expect(await page.content()).not.toContain(API_KEY);

  // The run's own summary: its current details, under User Metadata.
  await page.getByText('User Metadata', { exact: true }).click();
  const metadata = await framesTextOnceShown(/700 events in 2 objects/);
  expect(metadata).toContain(summary);
  expect(metadata).toMatch(/webui-audit(\*\*)?: 700 events in 2 objects \(\d+ bytes\) over 2 batches, caught up/);
  expect(metadata).toMatch(/cursor at processedAt \d{4}-\d{2}-\d{2}T/);
  expect(await page.content()).not.toContain(API_KEY);
});
