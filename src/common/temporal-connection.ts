// How the worker and the CLI connect to Temporal, configured as the `temporal` CLI is (with
// @temporalio/envconfig): TEMPORAL_* variables over a profile of the TOML file `temporal config`
// writes. A failed connection becomes one message that names the setting to fix; no message ever
// carries an API key or a private key.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { homedir, platform } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { checkServerIdentity, createSecureContext, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/client';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** Options that both `Connection.connect` (client) and `NativeConnection.connect` (worker) take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  connectionOptions: TemporalConnectionOptions;
  /** The profile the settings came from, when a config file was read: "profile 'prod' of /path/temporal.toml". */
  profile?: string;
}

/** A setting is missing, unreadable or contradictory; the message names it. */
export class TemporalConfigError extends Error {}

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

/** What each setting is called, in the environment and in the TOML profile. */
const SETTING = {
  address: { env: 'TEMPORAL_ADDRESS', toml: 'address' },
  apiKey: { env: 'TEMPORAL_API_KEY', toml: 'api_key' },
  serverCa: { env: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH (or _DATA)', toml: 'tls.server_ca_cert_path' },
  serverName: { env: 'TEMPORAL_TLS_SERVER_NAME', toml: 'tls.server_name' },
  clientCert: { env: 'TEMPORAL_TLS_CLIENT_CERT_PATH (or _DATA)', toml: 'tls.client_cert_path' },
  clientKey: { env: 'TEMPORAL_TLS_CLIENT_KEY_PATH (or _DATA)', toml: 'tls.client_key_path' },
} as const;

type Setting = keyof typeof SETTING;

function settingName(setting: Setting, profile: string | undefined): string {
  return profile ? `${SETTING[setting].env} (or ${SETTING[setting].toml} in ${profile})` : SETTING[setting].env;
}

/** Where `temporal config` keeps its file when TEMPORAL_CONFIG_FILE is not set. */
function defaultConfigFile(env: Record<string, string>): string | undefined {
  const home = env.HOME ?? homedir();
  if (platform() === 'win32') return env.APPDATA ? join(env.APPDATA, 'temporalio', 'temporal.toml') : undefined;
  if (platform() === 'darwin') return join(home, 'Library', 'Application Support', 'temporalio', 'temporal.toml');
  const configHome = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(configHome, 'temporalio', 'temporal.toml');
}

function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new TemporalConfigError(
      `cannot read the Temporal config file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

/** A certificate or key, read. */
type Pem = { data: string };

function readSource(params: { source: ConfigDataSource | undefined; what: string; setting: Setting; profile?: string }): Pem | undefined {
  const { source } = params;
  if (!source) return undefined;
  let data: string;
  if ('path' in source) {
    try {
      data = readFileSync(source.path, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new TemporalConfigError(
        `cannot read the ${params.what} at ${source.path} (${reason}): check ${settingName(params.setting, params.profile)}`,
      );
    }
  } else {
    data = typeof source.data === 'string' ? source.data : Buffer.from(source.data).toString('utf8');
  }
  // Checked here so that a path to the wrong file fails at start, not as an obscure handshake error.
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(data)) {
    throw new TemporalConfigError(
      `the ${params.what} from ${settingName(params.setting, params.profile)} is not PEM (no -----BEGIN ...----- line)`,
    );
  }
  return { data };
}

/** Lets OpenSSL parse the certificates and key now, so that a wrong file is named at start. */
function checkTlsMaterial(params: { tls: { serverCACert?: Pem; clientCert?: Pem; clientKey?: Pem }; profile?: string }): void {
  const { tls, profile } = params;
  // OpenSSL's reasons ("key values mismatch", "no start line") never quote the key.
  const reason = (error: unknown) => String((error as Error).message).replace(/^error:[0-9A-Fa-f]+:/, '');
  if (tls.serverCACert) {
    try {
      new X509Certificate(tls.serverCACert.data);
    } catch (error) {
      throw new TemporalConfigError(
        `the server's CA certificate from ${settingName('serverCa', profile)} is not usable (${reason(error)})`,
      );
    }
  }
  if (tls.clientCert && tls.clientKey) {
    try {
      createSecureContext({ cert: tls.clientCert.data, key: tls.clientKey.data });
    } catch (error) {
      throw new TemporalConfigError(
        `the client certificate and key from ${settingName('clientCert', profile)} and ${settingName('clientKey', profile)} are not a usable pair (${reason(error)})`,
      );
    }
  }
}

/**
 * Reads the connection settings from `env` (and the config file it points at) once, validated:
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_* and
 * TEMPORAL_GRPC_META_* over the profile TEMPORAL_PROFILE (default `default`) of TEMPORAL_CONFIG_FILE
 * (default ~/.config/temporalio/temporal.toml). Throws TemporalConfigError naming a bad setting.
 */
export function loadTemporalConnection(params: { env?: NodeJS.ProcessEnv } = {}): TemporalConnectionSettings {
  // An empty variable counts as unset, as for the worker's other settings.
  const env = Object.fromEntries(
    Object.entries(params.env ?? process.env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
  const file = env.TEMPORAL_CONFIG_FILE ?? defaultConfigFile(env);
  const fileExists = file !== undefined && existsSync(file);
  if (env.TEMPORAL_CONFIG_FILE && !fileExists)
    throw new TemporalConfigError(`TEMPORAL_CONFIG_FILE: no such file ${env.TEMPORAL_CONFIG_FILE}`);
  const fileText = fileExists ? readConfigFile(file) : undefined;
  // envconfig cannot read a file without profiles (an empty one, say): such a file counts as none.
  const useFile = fileText !== undefined && /^\s*\[\s*profile\b/m.test(fileText);
  if (env.TEMPORAL_PROFILE && !useFile) {
    throw new TemporalConfigError(
      fileExists
        ? `TEMPORAL_PROFILE=${env.TEMPORAL_PROFILE}, but ${file} has no profiles`
        : `TEMPORAL_PROFILE=${env.TEMPORAL_PROFILE}, but there is no config file (looked for ${file ?? 'one'}; set TEMPORAL_CONFIG_FILE)`,
    );
  }
  if (env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION && /^(1|true)$/.test(env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION)) {
    throw new TemporalConfigError(
      "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported here: set TEMPORAL_TLS_SERVER_NAME to a name in the server's certificate instead",
    );
  }
  let loaded: ClientConfigProfile;
  try {
    loaded = loadClientConfigProfile({
      profile: env.TEMPORAL_PROFILE,
      configSource: useFile ? { data: fileText } : undefined,
      disableFile: !useFile,
      overrideEnvVars: env,
    });
  } catch (error) {
    // envconfig's own messages (bad TOML, unknown profile, both _path and _data) name the field.
    throw new TemporalConfigError(
      `cannot load the Temporal connection settings${useFile ? ` from ${file}` : ''}: ${(error as Error).message}`,
    );
  }
  const profile = useFile ? `profile '${env.TEMPORAL_PROFILE ?? 'default'}' of ${file}` : undefined;

  const address = loaded.address ?? DEFAULT_TEMPORAL_ADDRESS;
  if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/.test(address)) {
    throw new TemporalConfigError(
      `${settingName('address', profile)} must be host:port such as ${DEFAULT_TEMPORAL_ADDRESS} or my-ns.a1b2c.tmprl.cloud:7233, not '${address}'`,
    );
  }
  const tls = loaded.tls && {
    ...loaded.tls,
    serverCACert: readSource({ source: loaded.tls.serverCACert, what: "server's CA certificate", setting: 'serverCa', profile }),
    clientCert: readSource({ source: loaded.tls.clientCert, what: 'client certificate', setting: 'clientCert', profile }),
    clientKey: readSource({ source: loaded.tls.clientKey, what: 'client key', setting: 'clientKey', profile }),
  };
  if (tls && !tls.clientCert !== !tls.clientKey) {
    const [set, missing] = tls.clientCert ? (['clientCert', 'clientKey'] as const) : (['clientKey', 'clientCert'] as const);
    throw new TemporalConfigError(`${settingName(set, profile)} is set but ${settingName(missing, profile)} is not: mTLS needs both`);
  }
  if (tls) checkTlsMaterial({ tls, profile });
  const { connectionOptions, namespace } = toClientOptions({ ...loaded, address, tls });
  return {
    address,
    namespace: namespace ?? DEFAULT_TEMPORAL_NAMESPACE,
    connectionOptions: {
      address,
      ...(connectionOptions.tls !== undefined && connectionOptions.tls !== null ? { tls: connectionOptions.tls } : {}),
      ...(connectionOptions.apiKey !== undefined ? { apiKey: connectionOptions.apiKey } : {}),
      ...(connectionOptions.metadata ? { metadata: connectionOptions.metadata as Record<string, string> } : {}),
    },
    profile,
  };
}

/** Connects with `connect` (the client's or the worker's); a failure becomes a TemporalConnectionError that says what to fix. */
export async function connectTemporal<T>(params: {
  settings: TemporalConnectionSettings;
  connect: (options: TemporalConnectionOptions) => Promise<T>;
}): Promise<T> {
  try {
    return await params.connect(params.settings.connectionOptions);
  } catch (error) {
    throw await explainConnectFailure({ settings: params.settings, error });
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

function tlsConfig(settings: TemporalConnectionSettings): TLSConfig | undefined {
  const { tls } = settings.connectionOptions;
  return tls === true ? {} : tls || undefined;
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

type Probe =
  | { kind: 'ok' }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'untrusted'; reason: string; issuer?: string }
  | { kind: 'expired'; reason: string }
  | { kind: 'name-mismatch'; name: string; names: string }
  | { kind: 'not-tls' }
  | { kind: 'needs-tls' }
  | { kind: 'client-cert-required' }
  | { kind: 'client-cert-rejected'; reason: string };

// The HTTP/2 connection preface and an empty SETTINGS frame: an HTTP/2 server answers with its SETTINGS.
const HTTP2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
const PROBE_TIMEOUT_MS = 5_000;
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET']);

function hostAndPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(i + 1)) };
}

function issuerOf(cert: PeerCertificate | undefined): string | undefined {
  const issuer = cert?.issuer as Record<string, string | string[]> | undefined;
  if (!issuer) return undefined;
  return (
    Object.entries(issuer)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
      .join(', ') || undefined
  );
}

/** One plain TCP or TLS handshake plus the HTTP/2 preface, to see where the connection breaks. */
function probeServer(settings: TemporalConnectionSettings): Promise<Probe> {
  const { host, port } = hostAndPort(settings.address);
  const tls = tlsConfig(settings);
  return new Promise<Probe>((resolve) => {
    let answered = false;
    let handshook = false;
    let socket: Socket | TLSSocket;
    const done = (probe: Probe) => {
      if (!answered) {
        answered = true;
        socket.destroy();
        resolve(probe);
      }
    };
    // The handshake passed, then the server hung up: it did not accept this client.
    const refusedClient = (reason: string): Probe =>
      tls?.clientCertPair ? { kind: 'client-cert-rejected', reason } : { kind: 'client-cert-required' };
    const sendPreface = () => {
      handshook = true;
      socket.write(HTTP2_PREFACE);
    };
    if (tls) {
      const name = tls.serverNameOverride ?? host;
      const tlsSocket = tlsConnect({
        host,
        port,
        servername: isIP(name) ? undefined : name,
        ALPNProtocols: ['h2'],
        rejectUnauthorized: false, // checked below, so that the message can say what is wrong
        ca: tls.serverRootCACertificate ? Buffer.from(tls.serverRootCACertificate) : undefined,
        cert: tls.clientCertPair ? Buffer.from(tls.clientCertPair.crt) : undefined,
        key: tls.clientCertPair ? Buffer.from(tls.clientCertPair.key) : undefined,
      });
      socket = tlsSocket;
      tlsSocket.once('secureConnect', () => {
        const cert = tlsSocket.getPeerCertificate();
        const reason = tlsSocket.authorizationError ? String(tlsSocket.authorizationError) : undefined;
        // Node checks the name only once the chain is trusted (and reports ERR_TLS_CERT_ALTNAME_INVALID).
        if (reason === 'ERR_TLS_CERT_ALTNAME_INVALID' || (!reason && checkServerIdentity(name, cert))) {
          return done({ kind: 'name-mismatch', name, names: cert.subjectaltname || `CN=${cert.subject?.CN}` });
        }
        if (reason && /EXPIRED|NOT_YET_VALID/.test(reason)) return done({ kind: 'expired', reason });
        if (reason || !tlsSocket.authorized) return done({ kind: 'untrusted', reason: reason ?? 'not authorized', issuer: issuerOf(cert) });
        sendPreface();
      });
    } else {
      socket = tcpConnect({ host, port }, sendPreface);
    }
    socket.setTimeout(PROBE_TIMEOUT_MS, () =>
      done(handshook ? { kind: 'ok' } : { kind: 'unreachable', reason: `no answer within ${PROBE_TIMEOUT_MS / 1000}s` }),
    );
    socket.on('data', (chunk: Buffer) => {
      // A TLS record (handshake 0x16 or alert 0x15) in answer to plaintext: the server wants TLS.
      done(!tls && (chunk[0] === 0x15 || chunk[0] === 0x16) ? { kind: 'needs-tls' } : { kind: 'ok' });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? '';
      if (UNREACHABLE_CODES.has(code) && !handshook) return done({ kind: 'unreachable', reason: code });
      if (
        /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|UNKNOWN_PROTOCOL|RECORD_LAYER_FAILURE/.test(code) ||
        /wrong version number|packet length too long/.test(error.message)
      ) {
        return done({ kind: 'not-tls' });
      }
      if (/CERTIFICATE_REQUIRED/.test(code)) return done({ kind: 'client-cert-required' });
      if (tls && (handshook || /ALERT/.test(code))) return done(refusedClient(code || error.message));
      done(handshook ? { kind: 'needs-tls' } : { kind: 'unreachable', reason: code || error.message });
    });
    socket.on('close', () => {
      if (!handshook) return done({ kind: 'unreachable', reason: 'connection closed' });
      // The preface went unanswered: a plaintext connection to a TLS port, or a client the TLS server did not accept.
      done(tls ? refusedClient('the server closed the connection after the handshake') : { kind: 'needs-tls' });
    });
  });
}
