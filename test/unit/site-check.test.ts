// covers: src/client/check/atlassian.ts (site connections), src/sites/errors.ts, src/sites/client.ts
// `check` for Jira and Confluence site connections against the site simulator: one limit=1 request,
// and on a refusal the fix: the token (401), the permission or the plan (403).
import type { EventSource } from '../../src/atlassian/client';
import { createPacer } from '../../src/atlassian/pacer';
import { checkConnection } from '../../src/client/check/atlassian';
import { ErrorType } from '../../src/common/failures';
import type { ConnectionSpec } from '../../src/model/types';
import { createSiteAuditClient } from '../../src/sites/client';
import { startSiteSimulator, type SiteSimulator } from '../../dev/simulator/site-server';

const EMAIL = 'admin@acme.example';
let sim: SiteSimulator;

beforeAll(async () => {
  const account = { site: 'acme', email: EMAIL, apiTokens: ['admin-token'], nonAdminTokens: ['user-token'], records: 5 };
  sim = await startSiteSimulator({
    sites: [
      { ...account, product: 'jira' },
      { ...account, product: 'confluence' },
    ],
  });
});
afterAll(() => sim.close());

const events: EventSource = { fetchPage: jest.fn() };
const sites = () => createSiteAuditClient({ timeoutMs: 5_000, pacer: createPacer({ perMinute: 0, burst: 1 }) });

const connectionOf = (source: 'jira-site' | 'confluence-site'): ConnectionSpec => ({
  name: 'acme',
  source,
  orgId: 'acme.atlassian.net',
  apiKeyRef: 'env:ATLASSIAN_SITE_TOKEN',
  baseUrl: sim.url('acme'),
  email: EMAIL,
});

async function check(source: 'jira-site' | 'confluence-site', token: string) {
  const [line] = await checkConnection({
    connection: connectionOf(source),
    resolver: { resolve: () => token },
    source: events,
    sites: sites(),
    nowMs: Date.now(),
  });
  return line!;
}

describe.each([
  ['jira-site', 'Jira', 'the Administer Jira global permission'],
  ['confluence-site', 'Confluence', 'the Confluence Administrator global permission'],
] as const)('%s', (source, product, permission) => {
  test('passes with one limit=1 request', async () => {
    const before = sim.sites.get('acme')!.stats.requests[source === 'jira-site' ? 'jira' : 'confluence'] ?? 0;
    expect(await check(source, 'admin-token')).toEqual({
      name: `connection 'acme' ${product} audit records`,
      status: 'pass',
      message: `${product} site acme.atlassian.net answered 200 to ${EMAIL} with the token from env:ATLASSIAN_SITE_TOKEN (the account has ${permission})`,
    });
    expect(sim.sites.get('acme')!.stats.requests[source === 'jira-site' ? 'jira' : 'confluence']).toBe(before + 1);
    expect(events.fetchPage).not.toHaveBeenCalled();
  });

  test('a wrong or revoked token: 401, create a token and store it', async () => {
    const line = await check(source, 'not-a-token');
    expect(line.status).toBe('fail');
    expect(line.message).toContain(
      `${product} site acme.atlassian.net (connection 'acme') answered 401 Unauthorized: the API token is wrong, revoked or expired`,
    );
    expect(line.message).toContain('store it where env:ATLASSIAN_SITE_TOKEN points on the worker');
    expect(line.message).not.toContain('resume the rule');
  });

  test('an account without the admin permission: 403 names the permission', async () => {
    const line = await check(source, 'user-token');
    expect(line.status).toBe('fail');
    expect(line.message).toContain(
      `answered 403 Forbidden: the account ${EMAIL} lacks ${permission}, or every ${product} product of the site is on a Free plan`,
    );
  });
});

test('the site client classifies 429 and 503 with Retry-After as retryable after that delay', async () => {
  const api = sites();
  const connection = connectionOf('jira-site');
  const request = () => api.fetchPage({ connection, token: 'admin-token', fromMs: 0, toMs: Date.now(), offset: 0, limit: 1 });
  await fetch(`${sim.url('acme')}/_sim/faults`, {
    method: 'POST',
    body: JSON.stringify({
      faults: [
        { kind: 'rate-limit', retryAfter: 7 },
        { kind: 'status', status: 503, retryAfter: 3 },
      ],
    }),
  });
  const limited = await request().catch((error: unknown) => error);
  expect(limited).toMatchObject({ type: ErrorType.RateLimited, nonRetryable: false });
  expect((limited as { nextRetryDelay: number }).nextRetryDelay).toBeGreaterThanOrEqual(7_000);
  const unavailable = await request().catch((error: unknown) => error);
  expect(unavailable).toMatchObject({ type: ErrorType.ServerError, nonRetryable: false });
  expect((unavailable as { nextRetryDelay: number }).nextRetryDelay).toBeGreaterThanOrEqual(3_000);
  await expect(request()).resolves.toMatchObject({ limit: 1 });
});
