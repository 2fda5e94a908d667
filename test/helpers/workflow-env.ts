// The Temporal dev server for workflow tests: the pinned CLI that `npm run setup-tests` builds (the
// SDK's default would try to download one), on a free port it picks itself, so it collides with
// no other suite's servers.
import { existsSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { binaryPath } from '../../dev/infra/binaries';

let runtimeInstalled = false;

/** The SDK logs every worker's bundle, start and stop at INFO: keep test output to what matters. */
export function quietSdkLogs(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

export async function createTestEnv(): Promise<TestWorkflowEnvironment> {
  quietSdkLogs();
  const path = binaryPath('temporal');
  if (!existsSync(path)) throw new Error(`${path} is missing: run 'npm run setup-tests' (npm test runs it first)`);
  return TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path } } });
}

export const workflowsPath = require.resolve('../../src/workflows');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
