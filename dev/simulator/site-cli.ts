// Starts the Jira / Confluence site audit-log simulator from the command line.
import { parseArgs } from 'node:util';
import type { Product } from './site-generate';
import { startSiteSimulator } from './site-server';

const HELP = `Usage: npm run site-simulator -- [options]

Serves one site's audit logs on loopback, as https://<site>.atlassian.net does:
GET /rest/api/3/auditing/record (Jira) and GET /wiki/rest/api/audit (Confluence), Basic auth
email:token. The gateway form /ex/{jira|confluence}/{cloudId}/... and /_edge/tenant_info work too.
See docs/site-audit-apis.md.

Options:
  --port N              port to listen on (default 8910)
  --host ADDRESS        address to listen on (default 127.0.0.1; 0.0.0.0 in a container)
  --site NAME           the <site> of <site>.atlassian.net (default acme)
  --product P           jira, confluence or both (default both)
  --email ADDRESS       the account the tokens belong to (default admin@acme.example)
  --api-token TOKEN     an admin's token (default: $SIM_API_TOKEN, else 'demo-token')
  --non-admin-token T   a valid token without the admin permission (answers 403)
  --records N           records already in each log (default 2000)
  --seed N              seed for the generated records (default 42)
  --seed-span-days N    how far back the seeded records reach, in days (default 3)
  --requests-per-minute N
                        audit requests a minute before 429; 0 is off (default 0)
  --exclusive-bounds    leave out records exactly at from/to (documented: inclusive)
  --total log|matching  Jira total: the whole log (observed, default) or the matching records
  --total-skew N        add N (may be negative) to Jira's total
  --arrivals-between-pages N
                        append N records after each page served
  --jira-over-limit reject|clamp
                        Jira limit above 1000: 400 (default) or serve 1000
  --confluence-max-limit N
                        the most Confluence serves a page (default 1000)
  --free-plan           answer 403 with the Free plan message
  -h, --help            this text

Control (for tests and demos): POST /_sim/{jira|confluence}/records {"count":N,"atMs":MS,
"sameMillisecond":true,"identical":true}, GET /_sim/{jira|confluence}/dump (NDJSON newest first: key, seq,
createdMs, record), POST /_sim/tokens/{token}/revoke|restore, POST /_sim/settings {"inclusiveBounds":false,
"totalMode":"matching","totalSkew":N,"arrivalsBetweenPages":N,"requestsPerMinute":N,"jiraOverLimit":"clamp",
"confluenceMaxLimit":N,"freePlan":true}, POST|DELETE /_sim/faults {"faults":[{"kind":"rate-limit","count":N,
"retryAfter":S},{"kind":"status","status":503,"count":N,"retryAfter":S}]}, GET /_sim/stats.`;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function int(name: string, value: string | undefined, fallback: number, signed = false): number {
  if (value === undefined) return fallback;
  if (!(signed ? /^-?\d+$/ : /^\d+$/).test(value)) fail(`--${name} must be a whole number, not '${value}'`);
  return Number(value);
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) fail(`--${name} must be ${allowed.join(' or ')}, not '${value}'`);
  return value as T;
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        site: { type: 'string' },
        product: { type: 'string' },
        email: { type: 'string' },
        'api-token': { type: 'string' },
        'non-admin-token': { type: 'string' },
        records: { type: 'string' },
        seed: { type: 'string' },
        'seed-span-days': { type: 'string' },
        'requests-per-minute': { type: 'string' },
        'exclusive-bounds': { type: 'boolean' },
        total: { type: 'string' },
        'total-skew': { type: 'string' },
        'arrivals-between-pages': { type: 'string' },
        'jira-over-limit': { type: 'string' },
        'confluence-max-limit': { type: 'string' },
        'free-plan': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n\n${HELP}`);
  }
  if (values.help) return console.log(HELP);
  const site = values.site ?? 'acme';
  const chosen = oneOf('product', values.product, ['jira', 'confluence', 'both'] as const, 'both');
  const products: Product[] = chosen === 'both' ? ['jira', 'confluence'] : [chosen];
  const account = {
    site,
    email: values.email ?? `admin@${site}.example`,
    apiTokens: [values['api-token'] ?? process.env.SIM_API_TOKEN ?? 'demo-token'],
    nonAdminTokens: values['non-admin-token'] ? [values['non-admin-token']] : [],
    records: int('records', values.records, 2000),
    port: int('port', values.port, 8910),
  };
  const confluenceMaxLimit = int('confluence-max-limit', values['confluence-max-limit'], 1000);
  if (confluenceMaxLimit < 1) fail('--confluence-max-limit must be at least 1');
  const sim = await startSiteSimulator({
    sites: products.map((product) => ({ ...account, product })),
    host: values.host,
    seed: int('seed', values.seed, 42),
    seedSpanMs: int('seed-span-days', values['seed-span-days'], 3) * 86_400_000,
    requestsPerMinute: int('requests-per-minute', values['requests-per-minute'], 0),
    inclusiveBounds: !values['exclusive-bounds'],
    totalMode: oneOf('total', values.total, ['log', 'matching'] as const, 'log'),
    totalSkew: int('total-skew', values['total-skew'], 0, true),
    arrivalsBetweenPages: int('arrivals-between-pages', values['arrivals-between-pages'], 0),
    jiraOverLimit: oneOf('jira-over-limit', values['jira-over-limit'], ['reject', 'clamp'] as const, 'reject'),
    confluenceMaxLimit,
    freePlan: values['free-plan'] ?? false,
  });
  const served = sim.sites.get(site)!;
  const where = values.host ? `http://${values.host}:${served.port}` : served.url;
  console.log(
    `Site audit simulator for ${site}.atlassian.net (${products.join(' and ')}) listening on ${where} (cloudId ${served.cloudId})`,
  );
  const stop = () => sim.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) void main();
