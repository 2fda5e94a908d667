// Resolves a connection's `env:NAME` or `file:/path` API-key reference, on the worker only.
// A rule reaches the worker inside a schedule that anyone allowed to create schedules could craft,
// so the worker re-checks the rule here: the reference may only name variables and files the
// worker owns for API keys, and the key is only ever sent over TLS to an allowed host (or to this
// host). A site connection's API token follows the same rules, and may also go to its site,
// `<site>.atlassian.net`.
import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve as resolvePath, sep } from 'node:path';
import type { ConnectionSpec, SourceKind } from '../model/types';
import { configFailure } from '../common/failures';

export const DEFAULT_SECRET_ENV_PATTERN = '^ATLASSIAN_';
/** Where Atlassian's events-stream API is; AUDIT_COLLECT_ALLOWED_API_HOSTS replaces the list. */
export const DEFAULT_ALLOWED_API_HOSTS: readonly string[] = ['api.atlassian.com'];

export interface SecretResolver {
  /** Checks the connection's baseUrl and key reference, and returns the key. */
  resolve(params: { connection: ConnectionSpec }): string;
}

export function createSecretResolver(
  params: { env?: NodeJS.ProcessEnv; envPattern?: RegExp; secretsDir?: string; allowedHosts?: readonly string[] } = {},
): SecretResolver {
  const env = params.env ?? process.env;
  const envPattern = params.envPattern ?? new RegExp(DEFAULT_SECRET_ENV_PATTERN);
  const allowedHosts = params.allowedHosts ?? DEFAULT_ALLOWED_API_HOSTS;
  return {
    resolve({ connection }) {
      // Before the reference is even looked at: nothing is read for a key that may not be sent.
      const problem = apiBaseUrlProblem({ baseUrl: connection.baseUrl, allowedHosts, source: connection.source });
      if (problem) throw configFailure(`connection '${connection.name}': ${problem}; then apply the rules file and resume the rule.`);
      const ref = connection.apiKeyRef;
      if (ref.startsWith('env:')) return fromEnv({ connection, name: ref.slice(4), env, envPattern });
      if (ref.startsWith('file:')) return fromFile({ connection, path: ref.slice(5), secretsDir: params.secretsDir });
      throw configFailure(`connection '${connection.name}': ${fieldOf(connection)} must be env:NAME or file:/path, not a literal value.`);
    },
  };
}

// A Jira or Confluence Cloud site: one label under atlassian.net.
const ATLASSIAN_SITE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.atlassian\.net$/;

/** Whether `hostname` is an Atlassian Cloud site's, `<site>.atlassian.net`. */
export const isAtlassianSite = (hostname: string) => ATLASSIAN_SITE.test(hostname);

/**
 * Why an API key must not be sent to this baseUrl, or undefined when it may: https:// to a host in
 * `allowedHosts` (AUDIT_COLLECT_ALLOWED_API_HOSTS), for a site source also to `<site>.atlassian.net`,
 * or http(s):// to a loopback host (a local simulator). The one check that both apply and the
 * worker make. Names only the URL's origin.
 */
export function apiBaseUrlProblem(params: { baseUrl: string; allowedHosts: readonly string[]; source?: SourceKind }): string | undefined {
  const problem = baseUrlProblem(params.baseUrl);
  if (problem) return `baseUrl ${problem}. Fix the connection's baseUrl`;
  const url = new URL(params.baseUrl);
  const site = params.source !== undefined && params.source !== 'org';
  if (isLoopback(url.hostname) || params.allowedHosts.includes(url.hostname) || (site && isAtlassianSite(url.hostname))) return undefined;
  const where = site
    ? `an Atlassian site (<site>.atlassian.net), to a host in AUDIT_COLLECT_ALLOWED_API_HOSTS (${params.allowedHosts.join(', ')}) or to a loopback host, and ${url.hostname} is none of them`
    : `a host in AUDIT_COLLECT_ALLOWED_API_HOSTS (${params.allowedHosts.join(', ')}) or to a loopback host, and ${url.hostname} is neither`;
  return (
    `baseUrl ${url.protocol}//${url.host}: the ${site ? 'API token' : 'API key'} is sent only to ${where}. Fix the connection's baseUrl, ` +
    `or add ${url.hostname} to AUDIT_COLLECT_ALLOWED_API_HOSTS on the worker and where apply runs`
  );
}

// RFC 1123 host names (and IPv4 addresses), lowercase: the URL parser's form of a host.
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** The hosts a comma-separated AUDIT_COLLECT_ALLOWED_API_HOSTS names (the default when empty), or what is wrong with it. */
export function parseAllowedApiHosts(value: string | undefined): { hosts: string[] } | { problem: string } {
  const hosts = (value ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host !== '');
  if (hosts.length === 0) return { hosts: [...DEFAULT_ALLOWED_API_HOSTS] };
  const bad = hosts.filter((host) => !HOST_NAME.test(host));
  if (bad.length === 0) return { hosts };
  return {
    problem: `must be comma-separated host names such as api.atlassian.com, without scheme, port, path or wildcard (not ${bad.join(', ')})`,
  };
}

/**
 * Why a URL must not carry a secret, or undefined when it may: https://, or http:// to a loopback
 * host (a local simulator). Never echoes anything but the URL's origin.
 */
export function baseUrlProblem(baseUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return 'is not a URL; it must be https://…';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return undefined;
  return `${url.protocol}//${url.host} must use https:// (http:// is allowed only to a loopback host: 127.0.0.0/8, localhost, [::1])`;
}

// The URL parser has already normalized the host (127.1 → 127.0.0.1, LOCALHOST → localhost).
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** What the rules file calls the reference: `apiKey` (an org's API key) or `apiToken` (a site account's). */
const fieldOf = (connection: ConnectionSpec) => (connection.source ? 'apiToken' : 'apiKey');

function fromEnv(params: { connection: ConnectionSpec; name: string; env: NodeJS.ProcessEnv; envPattern: RegExp }): string {
  const { connection, name } = params;
  // search() ignores lastIndex, so a pattern given the g or y flag still tests from the start.
  if (name.search(params.envPattern) < 0) {
    throw configFailure(
      `connection '${connection.name}': ${fieldOf(connection)} env:${name} is refused: this worker resolves only environment variables matching AUDIT_COLLECT_SECRET_ENV_PATTERN (${params.envPattern.source}). ` +
        `Rename the variable to match (on the worker and in the rules file, then apply it again), or set AUDIT_COLLECT_SECRET_ENV_PATTERN on the worker; then resume the rule.`,
    );
  }
  const value = params.env[name];
  if (!value) {
    throw configFailure(
      `connection '${connection.name}': ${fieldOf(connection)} env:${name} names an environment variable that is not set on the worker. Set ${name} and resume the rule.`,
    );
  }
  return value.trim();
}

function fromFile(params: { connection: ConnectionSpec; path: string; secretsDir?: string }): string {
  const { connection, path, secretsDir } = params;
  const ref = `file:${path}`;
  // Without a directory the worker owns for keys, a crafted schedule could send any file it can read.
  if (secretsDir === undefined) {
    throw configFailure(
      `connection '${connection.name}': ${fieldOf(connection)} ${ref} is refused: this worker resolves file: references only inside AUDIT_COLLECT_SECRETS_DIR, which is not set. ` +
        `Set AUDIT_COLLECT_SECRETS_DIR on the worker to the directory that holds the key files, then resume the rule.`,
    );
  }
  const unreadable = (error: unknown) =>
    configFailure(
      `connection '${connection.name}': ${fieldOf(connection)} ${ref} cannot be read on the worker (${(error as { code?: string }).code ?? 'unreadable'}). Create the file and resume the rule.`,
    );
  const outside = (where: string) =>
    configFailure(
      `connection '${connection.name}': ${fieldOf(connection)} ${ref} resolves to ${where}, outside AUDIT_COLLECT_SECRETS_DIR (${secretsDir}) on the worker. ` +
        `Put the key file under ${secretsDir} (or change AUDIT_COLLECT_SECRETS_DIR), then resume the rule.`,
    );
  let real: string;
  try {
    real = realpathSync(path);
  } catch (error) {
    // Outside the directory, "outside" even when missing: the error must not probe the worker's files.
    if (!isInside({ dir: secretsDir, path: resolvePath(path) })) throw outside(resolvePath(path));
    throw unreadable(error);
  }
  if (!isInside({ dir: secretsDir, path: real })) throw outside(real);
  let value: string;
  try {
    // The resolved path, so that the file read is the file checked.
    value = readFileSync(real, 'utf8').trim();
  } catch (error) {
    throw unreadable(error);
  }
  if (!value) throw configFailure(`connection '${connection.name}': ${fieldOf(connection)} ${ref} is an empty file.`);
  return value;
}

function isInside(params: { dir: string; path: string }): boolean {
  let dir: string;
  try {
    dir = realpathSync(params.dir);
  } catch {
    dir = resolvePath(params.dir);
  }
  const rel = relative(dir, params.path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
