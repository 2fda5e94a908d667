// Starts one Temporal dev server and one S3 server on test ports for the e2e suite.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTestPackages } from '../../dev/infra/binaries';
import { startS3, startTemporal, type RunningServer } from '../../dev/infra/servers';
import { TEST_SERVERS } from './servers';

export default async function globalSetup(): Promise<void> {
  requireTestPackages();
  const dir = mkdtempSync(join(tmpdir(), 'audit-collect-test-'));
  const servers: RunningServer[] = [];
  servers.push(await startTemporal({ dir, port: TEST_SERVERS.temporalPort, uiPort: TEST_SERVERS.uiPort }));
  servers.push(await startS3({ dir, port: TEST_SERVERS.s3Port, accessKey: TEST_SERVERS.s3AccessKey, secretKey: TEST_SERVERS.s3SecretKey }));
  (globalThis as { __servers?: RunningServer[] }).__servers = servers;
  process.env.AUDIT_COLLECT_TEST_DIR = dir;
}
