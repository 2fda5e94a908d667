// The failure a request that got no answer becomes, and the check that an API key can go into a
// header at all. Never echoes an error's message where it may hold header content.
import type { ApplicationFailure } from '@temporalio/common';
import { ErrorType, needsAHuman, retryable } from '../common/failures';

// Node's codes for a certificate that TLS could not verify: no retry fixes these, a person must.
const TLS_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
]);

/** The error's `code`, or its cause's (fetch and some wrappers put the system error there). */
function codeOf(error: unknown): string | undefined {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  if (typeof code === 'string') return code;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function apiKeyUnusable(params: { connection?: string; apiKeyRef?: string; kind: string }): ApplicationFailure {
  const where = params.connection ? `connection '${params.connection}': ` : '';
  const ref = params.apiKeyRef ?? "the connection's apiKey reference";
  return needsAHuman(
    ErrorType.ApiKeyUnusable,
    `${where}the API key contains characters a header cannot carry (${params.kind}). ` +
      `Store the key alone, on one line, where ${ref} points on the worker, then resume the rule.`,
  );
}

/**
 * Whether the API key can go into an Authorization header unchanged. Axios silently strips control
 * characters from header values, so a key pasted with a line break inside would only show up as a
 * puzzling 401: check it before the request. Names the kind of character, never the key.
 */
export function checkApiKey(params: { apiKey: string; connection?: string; apiKeyRef?: string }): ApplicationFailure | undefined {
  const bad = /[^\x20-\x7e]/.exec(params.apiKey)?.[0];
  if (bad === undefined) return undefined;
  const kind =
    bad === '\n' || bad === '\r'
      ? 'a line break'
      : bad.charCodeAt(0) < 0x20 || bad === '\x7f'
        ? 'a control character'
        : 'a non-ASCII character';
  return apiKeyUnusable({ connection: params.connection, apiKeyRef: params.apiKeyRef, kind });
}

/**
 * A request that got no answer. Timeouts, refused and reset connections and unresolvable hosts are
 * retried (a DNS outage or a deploy passes); an unverifiable certificate or an API key no header can
 * carry needs a human. Never echoes the error's message for those: it may hold header content.
 */
export function classifyNetworkError(params: {
  error: unknown;
  what: string;
  /** The connection's baseUrl, named in the TLS advice. */
  baseUrl?: string;
  connection?: string;
  apiKeyRef?: string;
}): ApplicationFailure {
  const code = codeOf(params.error);
  if (code !== undefined && TLS_CERT_CODES.has(code)) {
    return needsAHuman(
      ErrorType.TlsCertificate,
      `${params.what} failed: the certificate of ${params.baseUrl ?? "the connection's baseUrl"} could not be verified (${code}). ` +
        `Check the connection's baseUrl; behind a corporate proxy that re-signs TLS, give the worker its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem; then resume the rule.`,
    );
  }
  // Node: ERR_INVALID_CHAR. fetch (undici): a TypeError whose message quotes the header value.
  const headerTypeError = params.error instanceof TypeError && /header/i.test(params.error.message);
  if (code === 'ERR_INVALID_CHAR' || headerTypeError) {
    return apiKeyUnusable({ connection: params.connection, apiKeyRef: params.apiKeyRef, kind: 'a line break or non-ASCII character?' });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    const { hostname } = params.error as { hostname?: unknown };
    const host = typeof hostname === 'string' ? hostname : (hostOf(params.baseUrl) ?? "the baseUrl's host");
    return retryable(
      ErrorType.Network,
      `${params.what} failed: host ${host} could not be resolved (${code}); retrying. Check the connection's baseUrl and the worker's DNS`,
    );
  }
  const detail = code ?? (params.error instanceof Error ? params.error.message : 'unknown error');
  return retryable(ErrorType.Network, `${params.what} failed: ${detail}; retrying`);
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
