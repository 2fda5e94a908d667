// Turns a failed connection to Temporal into one message that names the setting to fix: the
// server's refusal of the credentials, or else where a probe of the server finds the connection
// breaks. No message carries an API key or a private key.
import { x509Version } from './cert-version';
import { probeServer, type Probe } from './probe';
import { settingName, tlsConfig, type Setting, type TemporalConnectionSettings } from './settings';

export type TemporalConnectionProblem =
  | 'unreachable'
  | 'server-not-trusted'
  | 'server-name-mismatch'
  | 'server-not-tls'
  | 'server-needs-tls'
  | 'client-cert-required'
  | 'client-cert-rejected'
  | 'api-key-rejected'
  | 'auth-required'
  | 'client-identity-refused'
  | 'certificate-version'
  | 'other';

/** Connecting failed; the message says why and what to set. */
export class TemporalConnectionError extends Error {
  constructor(
    message: string,
    readonly problem: TemporalConnectionProblem,
  ) {
    super(message);
  }
}

function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 5; e = (e as { cause?: unknown }).cause) parts.push(e.message);
  return parts.join(': ') || String(error);
}

/** Server text may be quoted in a message, but never the key, even should a server echo it. */
function redact(text: string, settings: TemporalConnectionSettings): string {
  const key = settings.connectionOptions.apiKey;
  const clean = key ? text.split(key).join('***') : text;
  return clean.length > 200 ? `${clean.slice(0, 200)}...` : clean;
}

/** Turns a failed connection attempt into a message naming the setting to fix. */
export async function explainConnectFailure(params: {
  settings: TemporalConnectionSettings;
  error: unknown;
}): Promise<TemporalConnectionError> {
  const { settings } = params;
  const text = redact(errorText(params.error), settings);
  const at = `cannot connect to the Temporal server at ${settings.address}`;
  const name = (setting: Setting) => settingName(setting, settings.profile);
  const fail = (problem: TemporalConnectionProblem, message: string) => new TemporalConnectionError(`${at}: ${message}`, problem);

  // The server answered, and refused the credentials. grpc-js says UNAUTHENTICATED / PERMISSION_DENIED, the worker's core says it in words.
  const status = /UNAUTHENTICATED|valid authentication credentials/i.test(text)
    ? 'UNAUTHENTICATED'
    : /PERMISSION_DENIED|does not have permission/i.test(text)
      ? 'PERMISSION_DENIED'
      : undefined;
  if (status) {
    const detail = `${status}: ${serverMessage(text)}`;
    if (settings.connectionOptions.apiKey !== undefined) {
      return fail(
        'api-key-rejected',
        `TEMPORAL_API_KEY was rejected (${detail}): set ${name('apiKey')} to a valid, unexpired API key with access to namespace '${settings.namespace}'`,
      );
    }
    if (tlsConfig(settings)?.clientCertPair) {
      return fail(
        'client-identity-refused',
        `the server refused the client certificate's identity (${detail}): use a certificate that namespace '${settings.namespace}' accepts (${name('clientCert')})`,
      );
    }
    return fail(
      'auth-required',
      `the server requires credentials (${detail}): set ${name('apiKey')}, or ${name('clientCert')} and ${name('clientKey')} for mTLS`,
    );
  }

  // The worker's TLS library (rustls) takes only X.509 v3 certificates; OpenSSL makes and accepts v1 ones.
  if (/UnsupportedCertVersion/.test(text)) {
    const advice =
      'the worker accepts only X.509 v3 certificates: issue it again as v3 (openssl x509 -req ... -extfile with its extensions, e.g. basicConstraints=CA:FALSE)';
    const clientCert = tlsConfig(settings)?.clientCertPair?.crt;
    if (clientCert && x509Version(clientCert) === 1) {
      return fail(
        'certificate-version',
        `the client certificate (${name('clientCert')}) is an X.509 v1 certificate (UnsupportedCertVersion): ${advice}`,
      );
    }
    return fail(
      'certificate-version',
      `a certificate of the server's chain (or the CA in ${name('serverCa')}) is an X.509 v1 certificate (UnsupportedCertVersion): ${advice}`,
    );
  }

  // Anything else is below gRPC; grpc-js reports every TLS failure as a deadline, so ask the server directly.
  const probe = await probeServer(settings).catch((): Probe => ({ kind: 'ok' }));
  switch (probe.kind) {
    case 'unreachable': {
      const local = /^(127\.|localhost:|\[::1\]:)/.test(settings.address);
      return new TemporalConnectionError(
        `cannot reach the Temporal server at ${settings.address} (${probe.reason}). ${local ? 'Start it (npm run infra -- start) or set TEMPORAL_ADDRESS.' : `Check ${name('address')} and the network.`}`,
        'unreachable',
      );
    }
    case 'untrusted':
      return fail(
        'server-not-trusted',
        `the server's certificate is not trusted (${probe.reason}${probe.issuer ? `; issued by ${probe.issuer}` : ''}): set ${name('serverCa')} to the CA certificate that signed it`,
      );
    case 'expired':
      return fail(
        'server-not-trusted',
        `the server's certificate has expired or is not yet valid (${probe.reason}): renew it on the server, or check this host's clock`,
      );
    case 'name-mismatch':
      return fail(
        'server-name-mismatch',
        `the server's certificate is not valid for the name '${probe.name}' (it names ${probe.names}): set ${name('serverName')} to one of those names`,
      );
    case 'not-tls':
      return fail(
        'server-not-tls',
        `TLS is on (${tlsReason(settings)}), but the server does not speak TLS there: set TEMPORAL_TLS=false, or point ${name('address')} at the server's TLS port`,
      );
    case 'needs-tls':
      return fail(
        'server-needs-tls',
        `the server closed a plaintext connection; if it expects TLS, set TEMPORAL_TLS=true (with ${name('serverCa')} for a private CA)`,
      );
    case 'client-cert-required':
      return fail('client-cert-required', `the server requires a client certificate: set ${name('clientCert')} and ${name('clientKey')}`);
    case 'client-cert-rejected':
      return fail(
        'client-cert-rejected',
        `the server rejected the client certificate (${probe.reason}): set ${name('clientCert')} and ${name('clientKey')} to a current certificate signed by a CA the server trusts`,
      );
    case 'ok':
      return fail('other', text);
  }
}

function serverMessage(text: string): string {
  const m = /(?:UNAUTHENTICATED|PERMISSION_DENIED): ([^\n]*)/.exec(text) ?? /message: "([^"]*)"/.exec(text);
  return m?.[1]?.trim() || 'no reason given';
}

function tlsReason(settings: TemporalConnectionSettings): string {
  const tls = tlsConfig(settings);
  if (tls?.clientCertPair) return 'a client certificate is set';
  if (tls?.serverRootCACertificate) return 'a server CA certificate is set';
  if (settings.connectionOptions.apiKey !== undefined && settings.connectionOptions.tls === true)
    return 'TEMPORAL_API_KEY turns it on unless TEMPORAL_TLS=false';
  return 'TEMPORAL_TLS';
}
