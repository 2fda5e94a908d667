// audit-collect codec-server: the Web UI's remote codec for encrypted payloads.
import { codecFromEnv } from '../../secrets/encryption';
import { startCodecServer } from '../../client/codec-server/server';
import { DEFAULT_WEB_UI } from '../../temporal/settings';
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { UsageError } from '../usage-error';

const DEFAULT_PORT = 8888;

export const codecServer = defineCommand({
  name: 'codec-server',
  summary: 'serve /decode and /encode for the Web UI (encrypted payloads)',
  description: `Serves /decode and /encode for the Web UI's remote codec setting when payloads are encrypted
with AUDIT_COLLECT_ENCRYPTION_KEY. Runs until Ctrl-C (or SIGTERM).`,
  args: [],
  options: {
    port: { type: 'string', value: 'N', description: `the port to listen on (default ${DEFAULT_PORT})` },
    'ui-origin': { type: 'string', value: 'URL', description: `the Web UI's origin, allowed by CORS (default ${DEFAULT_WEB_UI})` },
  },
  examples: ['AUDIT_COLLECT_ENCRYPTION_KEY=... audit-collect codec-server --port 8888'],
  environment:
    'Environment: AUDIT_COLLECT_ENCRYPTION_KEY, AUDIT_COLLECT_ENCRYPTION_KEY_ID, AUDIT_COLLECT_ENCRYPTION_OLD_KEYS (as on the worker).',
  async run({ options }) {
    const codec = codecFromEnv();
    if (!codec) throw new UsageError('codec-server needs AUDIT_COLLECT_ENCRYPTION_KEY (the key the worker encrypts with)');
    const port = Number(options.port ?? DEFAULT_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not '${options.port}'`);
    const server = await startCodecServer({ codec, port, allowOrigin: options['ui-origin'] ?? DEFAULT_WEB_UI });
    console.error(`codec server at ${server.url}; start the Web UI with --ui-codec-endpoint ${server.url}`);
    await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
    await server.close();
    return EXIT.ok;
  },
});
