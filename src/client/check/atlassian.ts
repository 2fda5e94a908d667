// Per connection: the API key resolves, one events-stream request with limit=1 answers 200, and the
// key's noted expiry is not near. Failures read as `status` reads them (src/common/errors.ts).
import type { EventSource } from '../../atlassian/client';
import type { SecretResolver } from '../../secrets/api-keys';
import type { ConnectionSpec } from '../../model/types';
import { KEY_EXPIRY_WARN_DAYS } from '../status/health';
import { adviceFrom, fail, pass, warn, type CheckResult } from './result';

const DAY_MS = 86_400_000;
const LOOK_BACK_MS = 60_000;

const nameOf = (connection: ConnectionSpec, what: string) => `connection '${connection.name}' ${what}`;

export async function checkConnection(params: {
  connection: ConnectionSpec;
  resolver: SecretResolver;
  source: EventSource;
  nowMs: number;
}): Promise<CheckResult[]> {
  const { connection } = params;
  const results = [await requestCheck(params)];
  const expiry = keyExpiryCheck({ connection, nowMs: params.nowMs });
  if (expiry) results.push(expiry);
  return results;
}

async function requestCheck(params: {
  connection: ConnectionSpec;
  resolver: SecretResolver;
  source: EventSource;
  nowMs: number;
}): Promise<CheckResult> {
  const { connection } = params;
  const name = nameOf(connection, 'events-stream');
  let apiKey: string;
  try {
    apiKey = params.resolver.resolve({ connection });
  } catch (error) {
    return fail(nameOf(connection, `apiKey ${connection.apiKeyRef}`), adviceFrom((error as Error).message));
  }
  try {
    await params.source.fetchPage({
      connection,
      apiKey,
      position: { atMs: params.nowMs - LOOK_BACK_MS, idsAtMs: [], cursor: null },
      limit: 1,
    });
  } catch (error) {
    return fail(name, adviceFrom((error as Error).message));
  }
  return pass(name, `Atlassian org ${connection.orgId} answered 200 with the key from ${connection.apiKeyRef}`);
}

/** From the connection's `expiresAt`: failed once past, a warning within 14 days, else nothing to say but the date. */
export function keyExpiryCheck(params: { connection: ConnectionSpec; nowMs: number }): CheckResult | undefined {
  const { connection } = params;
  const expiresAt = connection.apiKeyExpiresAt;
  if (!expiresAt) return undefined;
  const name = nameOf(connection, 'API key expiry');
  const left = Date.parse(expiresAt) - params.nowMs;
  const days = Math.floor(left / DAY_MS);
  if (left <= 0) {
    return fail(
      name,
      `the API key expired on ${expiresAt}: create a new key, store it where ${connection.apiKeyRef} points, and update the connection's expiresAt`,
    );
  }
  if (days < KEY_EXPIRY_WARN_DAYS) {
    return warn(
      name,
      `the API key expires in ${days} days (${expiresAt}): create a new key before then and update the connection's expiresAt`,
    );
  }
  return pass(name, `expires ${expiresAt} (in ${days} days)`);
}
