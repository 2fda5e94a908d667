// Starts the Atlassian API simulator from the command line.
import { parseArgs } from 'node:util';
import { startSimulator } from './server';

export const DEMO_ORG_ID = '4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4';

/** The id of the simulator's org n (1 and up) when it serves several (`--orgs`). */
export function fleetOrgId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

const HELP = `Usage: npm run simulator -- [options]

Serves GET /admin/v1/orgs/{orgId}/events-stream and /events like api.atlassian.com, on loopback.

Options:
  --port N            port to listen on (default 8900)
  --host ADDRESS      address to listen on (default 127.0.0.1; 0.0.0.0 in a container)
  --seed N            seed for the generated events (default 42)
  --events N          events already in the org's log (default 5000)
  --org UUID          organization id (default ${DEMO_ORG_ID})
  --api-key KEY       the org API key to accept (default: $SIM_API_KEY, else 'demo-key')
  --orgs N            serve N orgs, each with --events events: the first is --org with
                      --api-key, org n (n = 1..N-1) is fleetOrgId(n) with key KEY-n (default 1)
  --seed-span-days N  how far back the seeded events reach, in days (default 3)
  --rate-limit N      events-stream requests a minute per org before 429; 0 is off (default 50)
  --window-on FIELD   what from/to bound: processedAt (default) or time
  --cursor-nonce on|off
                      a fresh random nonce in every cursor, so one position never
                      yields the same string twice (default on)
  --null-tail         answer meta.next null and links {} on the last page of an
                      open-ended stream instead of a tail cursor
  --cursor-ttl SECONDS
                      refuse cursors older than this with 400 ADMIN-400-1; 0 is never (default 0)
  --visibility-delay-ms N
                      each event becomes readable only at processedAt + d, d drawn per
                      event in [0, N] (default 0)
  --out-of-order-in-page
                      swap every 7th adjacent pair of different processedAt in a page
  --cursor-drops-to   cursors leave out the request's to, so they run on to the tail
  --short-pages       every 3rd events-stream page holds half of limit, with a cursor
  -h, --help          this text

Control (for tests and demos): POST /_sim/orgs/{orgId}/events {"count":N,"lateFraction":0.1,"atLastMillisecond":false,
"sameMillisecond":false}, GET /_sim/orgs/{orgId}/events (NDJSON), GET /_sim/orgs/{orgId}/dump (NDJSON: id,
processedAtMs, visibleAtMs in stream order), POST|DELETE /_sim/faults, POST /_sim/keys/{key}/revoke|restore,
POST /_sim/settings {"rateLimitPerMinute":N,"windowOn":"time","cursorNonce":false,"nullTail":true,
"cursorTtlMs":N,"visibilityDelayMs":N,"outOfOrderInPage":true,"cursorDropsTo":true,"shortPagesMidWindow":true},
GET /_sim/stats.`;

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) {
    console.error(`--${name} must be a whole number, not '${value}'`);
    process.exit(2);
  }
  return Number(value);
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        events: { type: 'string' },
        org: { type: 'string' },
        'api-key': { type: 'string' },
        orgs: { type: 'string' },
        'seed-span-days': { type: 'string' },
        'rate-limit': { type: 'string' },
        'window-on': { type: 'string' },
        'cursor-nonce': { type: 'string' },
        'null-tail': { type: 'boolean' },
        'cursor-ttl': { type: 'string' },
        'visibility-delay-ms': { type: 'string' },
        'out-of-order-in-page': { type: 'boolean' },
        'cursor-drops-to': { type: 'boolean' },
        'short-pages': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (values.help) return console.log(HELP);
  const windowOn = values['window-on'] ?? 'processedAt';
  if (windowOn !== 'processedAt' && windowOn !== 'time') {
    console.error(`--window-on must be processedAt or time, not '${windowOn}'`);
    process.exit(2);
  }
  const cursorNonce = values['cursor-nonce'] ?? 'on';
  if (cursorNonce !== 'on' && cursorNonce !== 'off') {
    console.error(`--cursor-nonce must be on or off, not '${cursorNonce}'`);
    process.exit(2);
  }
  const cursorTtlMs = int('cursor-ttl', values['cursor-ttl'], 0) * 1000;
  if (!Number.isSafeInteger(cursorTtlMs)) {
    console.error(`--cursor-ttl is too large: '${values['cursor-ttl']}'`);
    process.exit(2);
  }
  const orgId = values.org ?? DEMO_ORG_ID;
  const apiKey = values['api-key'] ?? process.env.SIM_API_KEY ?? 'demo-key';
  const events = int('events', values.events, 5000);
  const orgCount = Math.max(1, int('orgs', values.orgs, 1));
  const sim = await startSimulator({
    port: int('port', values.port, 8900),
    host: values.host,
    seed: int('seed', values.seed, 42),
    orgs: Array.from({ length: orgCount }, (_, n) =>
      n === 0 ? { orgId, apiKeys: [apiKey], events } : { orgId: fleetOrgId(n), apiKeys: [`${apiKey}-${n}`], events },
    ),
    seedSpanMs: int('seed-span-days', values['seed-span-days'], 3) * 86_400_000,
    rateLimitPerMinute: int('rate-limit', values['rate-limit'], 50),
    windowOn,
    cursorNonce: cursorNonce === 'on',
    nullTail: values['null-tail'] ?? false,
    cursorTtlMs,
    visibilityDelayMs: int('visibility-delay-ms', values['visibility-delay-ms'], 0),
    outOfOrderInPage: values['out-of-order-in-page'] ?? false,
    cursorDropsTo: values['cursor-drops-to'] ?? false,
    shortPagesMidWindow: values['short-pages'] ?? false,
  });
  console.log(
    `Atlassian simulator listening on ${values.host ? `http://${values.host}:${new URL(sim.url).port}` : sim.url} (org ${orgId}${orgCount > 1 ? ` and ${orgCount - 1} more` : ''})`,
  );
  const stop = () => sim.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) void main();
