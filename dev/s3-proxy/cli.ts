// Starts the S3 fault proxy from the command line: it only forwards, logging each PutObject.
import { parseArgs } from 'node:util';
import { startS3FaultProxy } from './proxy';

const HELP = `Usage: npx tsx dev/s3-proxy/cli.ts --target URL [--port N]

Forwards every request to the S3 server at URL unchanged (Host included) and logs each PutObject
with its answer; prints the PutObjects answered 2xx per key on exit. Point clients at it with
AWS_ENDPOINT_URL_S3=http://127.0.0.1:N (path-style addressing).

Options:
  --target URL   the S3 server, e.g. http://127.0.0.1:17070 (required)
  --port N       port to listen on, on 127.0.0.1 (default 0: a free port)
  -h, --help     this text`;

async function main() {
  let values;
  try {
    ({ values } = parseArgs({ options: { target: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (values.help) return console.log(HELP);
  if (!values.target || !/^\d*$/.test(values.port ?? '')) {
    console.error(`--target URL is required and --port must be a whole number\n\n${HELP}`);
    process.exit(2);
  }
  const proxy = await startS3FaultProxy({
    target: values.target,
    port: Number(values.port ?? 0),
    onAnswered: (r) => {
      if (r.putObject) console.log(`PUT ${r.bucket}/${r.key}${r.ifNoneMatch ? ` If-None-Match: ${r.ifNoneMatch}` : ''} -> ${r.status}`);
    },
  });
  console.log(`S3 fault proxy listening on ${proxy.url}, forwarding to ${values.target}`);
  const stop = async () => {
    const counts = proxy.successfulPutsByKey();
    const twice = [...counts].filter(([, n]) => n > 1);
    console.log(`${counts.size} keys put, ${twice.length} of them more than once${twice.map(([k, n]) => `\n  ${k}: ${n}`).join('')}`);
    await proxy.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

if (require.main === module) void main();
