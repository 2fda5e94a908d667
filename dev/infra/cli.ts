// npm run infra -- <install|start>: build the pinned servers, or run them in the foreground.
import { join } from 'node:path';
import { cacheDir, ensureBinary, setUpTests } from './binaries';
import { startS3, startTemporal, type RunningServer } from './servers';

export const LOCAL = {
  temporalPort: 7233,
  uiPort: 8233,
  s3Port: 7070,
  s3AccessKey: 'audit-collect-local',
  // A throwaway credential for the loopback-only S3 server; never use it anywhere else.
  s3SecretKey: 'audit-collect-local-secret',
};

export async function startLocalServers(dir = join(cacheDir(), 'run')): Promise<RunningServer[]> {
  const servers: RunningServer[] = [];
  try {
    servers.push(await startTemporal({ dir, port: LOCAL.temporalPort, uiPort: LOCAL.uiPort }));
    servers.push(await startS3({ dir, port: LOCAL.s3Port, accessKey: LOCAL.s3AccessKey, secretKey: LOCAL.s3SecretKey }));
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    throw error;
  }
  return servers;
}

async function main() {
  const command = process.argv[2];
  if (command === 'install') {
    ensureBinary('temporal');
    ensureBinary('versitygw');
    return;
  }
  if (command === 'setup-tests') return setUpTests();
  if (command === 'start') {
    const servers = await startLocalServers();
    console.log(`Temporal dev server on 127.0.0.1:${LOCAL.temporalPort}, Web UI http://127.0.0.1:${LOCAL.uiPort}`);
    console.log(`S3 server (versitygw) on http://127.0.0.1:${LOCAL.s3Port}; logs in ${join(cacheDir(), 'run')}. Ctrl-C stops both.`);
    const stop = () => Promise.all(servers.map((s) => s.stop())).then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return;
  }
  console.error('usage: npm run infra -- install | setup-tests | start');
  process.exit(2);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`infra: ${(error as Error).message}`);
    process.exit(1);
  });
}
