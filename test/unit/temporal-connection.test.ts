// covers: src/temporal/
// The Temporal connection settings, read as the `temporal` CLI reads them (environment over a
// profile of the TOML config file), and the messages a failed connection becomes. TLS handshakes
// against a real server are in test/e2e/tls.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { thrownMessage } from '../helpers/thrown';
import { makeTestCerts } from '../helpers/tls-proxy';
import { TemporalConfigError, type TemporalConnectionSettings } from '../../src/temporal/settings';
import { TemporalConnectionError, explainConnectFailure } from '../../src/temporal/connect-failure';
import { connectTemporal } from '../../src/temporal/connect';
import { x509Version } from '../../src/temporal/cert-version';
import { loadTemporalConnection } from '../../src/temporal/load-settings';

const API_KEY = 'temporal-api-key-5e8c1d';

const dir = mkdtempSync(join(tmpdir(), 'temporal-connection-'));
// Throwaway certificates, made by `openssl` for this run.
const certs = makeTestCerts({ dir, serverName: 'temporal.internal' });
const CA = readFileSync(certs.caCert, 'utf8');
const CERT = readFileSync(certs.clientCert, 'utf8');
const KEY = readFileSync(certs.clientKey, 'utf8');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// HOME points at an empty directory, so that no real ~/.config/temporalio/temporal.toml is read.
const BASE = { HOME: dir, PATH: process.env.PATH };

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function load(env: Record<string, string | undefined>): TemporalConnectionSettings {
  return loadTemporalConnection({ env: { ...BASE, ...env } });
}

function configFailure(env: Record<string, string | undefined>): string {
  return thrownMessage(TemporalConfigError, () => load(env));
}

describe('loadTemporalConnection', () => {
  test('defaults to a plaintext connection to 127.0.0.1:7233, namespace default', () => {
    expect(load({})).toEqual({ address: '127.0.0.1:7233', namespace: 'default', connectionOptions: { address: '127.0.0.1:7233' } });
  });

  test('empty variables count as unset', () => {
    expect(load({ TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: '', TEMPORAL_API_KEY: '' }).connectionOptions).toEqual({
      address: '127.0.0.1:7233',
    });
  });

  test('an API key turns TLS on (system CAs) unless TEMPORAL_TLS=false', () => {
    const cloud = load({
      TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'acme.a1b2c',
      TEMPORAL_API_KEY: API_KEY,
    });
    expect(cloud).toEqual({
      address: 'us-east-1.aws.api.temporal.io:7233',
      namespace: 'acme.a1b2c',
      connectionOptions: { address: 'us-east-1.aws.api.temporal.io:7233', apiKey: API_KEY, tls: true },
    });
    expect(load({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS: 'false' }).connectionOptions).toEqual({
      address: '127.0.0.1:7233',
      apiKey: API_KEY,
      tls: false,
    });
  });

  test('TEMPORAL_TLS=true alone is TLS with the system CAs', () => {
    const { tls } = load({ TEMPORAL_TLS: 'true' }).connectionOptions;
    expect(tls).toEqual({ serverNameOverride: undefined, serverRootCACertificate: undefined, clientCertPair: undefined });
  });

  test('mTLS from paths, with a CA and a server name', () => {
    const { tls } = load({
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    }).connectionOptions;
    expect(tls).toEqual({
      serverNameOverride: 'temporal.internal',
      serverRootCACertificate: Buffer.from(CA),
      clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) },
    });
  });

  test('mTLS from data', () => {
    const { tls } = load({
      TEMPORAL_TLS_CLIENT_CERT_DATA: CERT,
      TEMPORAL_TLS_CLIENT_KEY_DATA: KEY,
    }).connectionOptions;
    expect(tls).toMatchObject({ clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) } });
  });

  test('TEMPORAL_GRPC_META_* become gRPC metadata', () => {
    expect(load({ TEMPORAL_GRPC_META_X_TENANT: 'acme' }).connectionOptions.metadata).toEqual({ 'x-tenant': 'acme' });
  });

  describe('profiles of the config file', () => {
    const file = write(
      'temporal.toml',
      `[profile.default]
address = "127.0.0.1:7999"

[profile.prod]
address = "acme.a1b2c.tmprl.cloud:7233"
namespace = "acme.a1b2c"
[profile.prod.tls]
client_cert_data = """${CERT}"""
client_key_path = "${join(dir, 'prod.key')}"
`,
    );
    write('prod.key', KEY);

    test('TEMPORAL_PROFILE picks a profile of TEMPORAL_CONFIG_FILE', () => {
      const prod = load({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' });
      expect(prod.address).toBe('acme.a1b2c.tmprl.cloud:7233');
      expect(prod.namespace).toBe('acme.a1b2c');
      expect(prod.profile).toBe(`profile 'prod' of ${file}`);
      expect(prod.connectionOptions.tls).toMatchObject({ clientCertPair: { key: Buffer.from(KEY) } });
    });

    test('without TEMPORAL_PROFILE the default profile is read', () => {
      expect(load({ TEMPORAL_CONFIG_FILE: file }).address).toBe('127.0.0.1:7999');
    });

    test('variables override the profile', () => {
      const settings = load({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'other.a1b2c' });
      expect(settings.namespace).toBe('other.a1b2c');
      expect(settings.address).toBe('acme.a1b2c.tmprl.cloud:7233');
    });

    test('the file in the default place ($XDG_CONFIG_HOME/temporalio/temporal.toml) is read', () => {
      const home = join(dir, 'home');
      const config = join(home, 'config');
      mkdirSync(join(config, 'temporalio'), { recursive: true });
      writeFileSync(join(config, 'temporalio', 'temporal.toml'), '[profile.default]\nnamespace = "from-default-file"\n');
      expect(loadTemporalConnection({ env: { HOME: home, XDG_CONFIG_HOME: config } }).namespace).toBe('from-default-file');
    });

    test('a file without profiles (an empty one) is as good as none', () => {
      const empty = write('empty.toml', '');
      expect(load({ TEMPORAL_CONFIG_FILE: empty })).toEqual(load({}));
      const commentOnly = write('comment.toml', '# no profile here yet\n');
      expect(load({ TEMPORAL_CONFIG_FILE: commentOnly })).toEqual(load({}));
      expect(configFailure({ TEMPORAL_CONFIG_FILE: empty, TEMPORAL_PROFILE: 'prod' })).toBe(
        `TEMPORAL_PROFILE=prod, but ${empty} has no profiles`,
      );
    });

    test('an unknown profile, a missing file and bad TOML are errors that say so', () => {
      expect(configFailure({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' })).toMatch(/Profile 'staging' not found/);
      expect(configFailure({ TEMPORAL_CONFIG_FILE: join(dir, 'missing.toml') })).toBe(
        `TEMPORAL_CONFIG_FILE: no such file ${join(dir, 'missing.toml')}`,
      );
      expect(configFailure({ TEMPORAL_PROFILE: 'prod' })).toMatch(/^TEMPORAL_PROFILE=prod, but there is no config file/);
      expect(configFailure({ TEMPORAL_CONFIG_FILE: write('bad.toml', '[profile.default\naddress = 1') })).toMatch(
        /^cannot load the Temporal connection settings from /,
      );
    });

    test('a bad setting from the profile names the TOML key too', () => {
      const broken = write('broken.toml', `[profile.default.tls]\nserver_ca_cert_path = "${join(dir, 'nope.pem')}"\n`);
      expect(configFailure({ TEMPORAL_CONFIG_FILE: broken })).toBe(
        `cannot read the server's CA certificate at ${join(dir, 'nope.pem')} (ENOENT): check TEMPORAL_TLS_SERVER_CA_CERT_PATH (or _DATA) (or tls.server_ca_cert_path in profile 'default' of ${broken})`,
      );
    });
  });

  test('bad settings are errors naming the variable, never a key', () => {
    expect(configFailure({ TEMPORAL_ADDRESS: 'https://temporal.example.com' })).toMatch(/^TEMPORAL_ADDRESS must be host:port/);
    expect(configFailure({ TEMPORAL_ADDRESS: 'temporal.example.com' })).toMatch(/^TEMPORAL_ADDRESS must be host:port/);
    expect(load({ TEMPORAL_ADDRESS: '[::1]:7233' }).address).toBe('[::1]:7233');
    expect(configFailure({ TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'nope.pem'), TEMPORAL_TLS_CLIENT_KEY_DATA: KEY })).toBe(
      `cannot read the client certificate at ${join(dir, 'nope.pem')} (ENOENT): check TEMPORAL_TLS_CLIENT_CERT_PATH (or _DATA)`,
    );
    expect(configFailure({ TEMPORAL_TLS_CLIENT_CERT_DATA: CERT })).toBe(
      'TEMPORAL_TLS_CLIENT_CERT_PATH (or _DATA) is set but TEMPORAL_TLS_CLIENT_KEY_PATH (or _DATA) is not: mTLS needs both',
    );
    const secretKey = 'not-a-pem-private-key-3f9a';
    const notPem = configFailure({ TEMPORAL_TLS_CLIENT_CERT_DATA: CERT, TEMPORAL_TLS_CLIENT_KEY_DATA: secretKey });
    expect(notPem).toBe('the client key from TEMPORAL_TLS_CLIENT_KEY_PATH (or _DATA) is not PEM (no -----BEGIN ...----- line)');
    expect(configFailure({ TEMPORAL_TLS_CLIENT_CERT_DATA: CERT, TEMPORAL_TLS_CLIENT_CERT_PATH: '/x' })).toMatch(
      /Cannot specify both client_cert_path and client_cert_data/,
    );
    const mismatched = configFailure({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.serverKey });
    expect(mismatched).toBe(
      'the client certificate and key from TEMPORAL_TLS_CLIENT_CERT_PATH (or _DATA) and TEMPORAL_TLS_CLIENT_KEY_PATH (or _DATA) are not a usable pair (x509 certificate routines::key values mismatch)',
    );
    const garbled = `-----BEGIN PRIVATE KEY-----\n${secretKey}\n-----END PRIVATE KEY-----\n`;
    expect(configFailure({ TEMPORAL_TLS_CLIENT_CERT_DATA: CERT, TEMPORAL_TLS_CLIENT_KEY_DATA: garbled })).not.toContain(secretKey);
    expect(configFailure({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.clientKey })).toMatch(
      /^the server's CA certificate from TEMPORAL_TLS_SERVER_CA_CERT_PATH \(or _DATA\) is not usable \(/,
    );
    expect(configFailure({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' })).toMatch(/not supported here: set TEMPORAL_TLS_SERVER_NAME/);
  });
});

describe('a failed connection says what to fix', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  /** A TCP server that answers each connection with `reply` (or hangs up), on a free loopback port. */
  async function tcpServer(reply?: Buffer): Promise<string> {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => (reply ? socket.write(reply) : socket.destroy()));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function closedPort(): Promise<string> {
    const address = await tcpServer();
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    return address;
  }

  function settings(env: Record<string, string>): TemporalConnectionSettings {
    return load(env);
  }

  test('a rejected API key: TEMPORAL_API_KEY was rejected, with the server reason and without the key', async () => {
    const s = settings({ TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_API_KEY: API_KEY, TEMPORAL_NAMESPACE: 'acme.a1b2c' });
    const fromClient = new Error('Failed to connect to Temporal server', {
      cause: new Error(`16 UNAUTHENTICATED: Request unauthorized. (key ${API_KEY})`),
    });
    const error = await explainConnectFailure({ settings: s, error: fromClient });
    expect(error.problem).toBe('api-key-rejected');
    expect(error.message).toBe(
      "cannot connect to the Temporal server at 127.0.0.1:7233: TEMPORAL_API_KEY was rejected (UNAUTHENTICATED: Request unauthorized. (key ***)): set TEMPORAL_API_KEY to a valid, unexpired API key with access to namespace 'acme.a1b2c'",
    );
    const fromWorker = new Error(
      `Failed to call GetSystemInfo: code: 'The request does not have valid authentication credentials', message: "Request unauthorized."`,
    );
    expect((await explainConnectFailure({ settings: s, error: fromWorker })).problem).toBe('api-key-rejected');
    const denied = new Error(
      'Failed to call GetSystemInfo: code: \'The caller does not have permission to execute the specified operation\', message: "nope"',
    );
    expect((await explainConnectFailure({ settings: s, error: denied })).message).toContain(
      'TEMPORAL_API_KEY was rejected (PERMISSION_DENIED: nope)',
    );
  });

  test('no credentials where the server wants some', async () => {
    const error = await explainConnectFailure({ settings: settings({}), error: new Error('16 UNAUTHENTICATED: Request unauthorized.') });
    expect(error.problem).toBe('auth-required');
    expect(error.message).toMatch(
      /requires credentials .*: set TEMPORAL_API_KEY, or TEMPORAL_TLS_CLIENT_CERT_PATH \(or _DATA\) and TEMPORAL_TLS_CLIENT_KEY_PATH/,
    );
  });

  test('nothing listening: cannot reach, with the fix', async () => {
    const address = await closedPort();
    const error = await connectTemporal({
      settings: settings({ TEMPORAL_ADDRESS: address }),
      connect: () => Promise.reject(new Error('Failed to connect before the deadline')),
    }).catch((e: unknown) => e as TemporalConnectionError);
    expect(error).toBeInstanceOf(TemporalConnectionError);
    expect(error.problem).toBe('unreachable');
    expect(error.message).toBe(
      `cannot reach the Temporal server at ${address} (ECONNREFUSED). Start it (npm run infra -- start) or set TEMPORAL_ADDRESS.`,
    );
  });

  test('plaintext to a server that hangs up or answers with a TLS alert: set TEMPORAL_TLS=true', async () => {
    for (const address of [await tcpServer(), await tcpServer(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]))]) {
      const error = await explainConnectFailure({
        settings: settings({ TEMPORAL_ADDRESS: address }),
        error: new Error('Failed to connect before the deadline'),
      });
      expect(error.problem).toBe('server-needs-tls');
      expect(error.message).toMatch(/if it expects TLS, set TEMPORAL_TLS=true/);
    }
  });

  test('TLS to a plaintext server: set TEMPORAL_TLS=false', async () => {
    const address = await tcpServer(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
    const error = await explainConnectFailure({
      settings: settings({ TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: API_KEY }),
      error: new Error('deadline'),
    });
    expect(error.problem).toBe('server-not-tls');
    expect(error.message).toBe(
      `cannot connect to the Temporal server at ${address}: TLS is on (TEMPORAL_API_KEY turns it on unless TEMPORAL_TLS=false), but the server does not speak TLS there: set TEMPORAL_TLS=false, or point TEMPORAL_ADDRESS at the server's TLS port`,
    );
  });

  describe('an X.509 v1 certificate, which the worker (rustls) refuses before any handshake (issue 20)', () => {
    // What NativeConnection.connect throws for it, server or not.
    const RUSTLS = 'TransportError: tonic::transport::Error(Transport, InvalidCertificate(Other(OtherError(UnsupportedCertVersion))))';
    const v1 = () => {
      const key = join(dir, 'v1.key');
      const csr = join(dir, 'v1.csr');
      const crt = join(dir, 'v1.crt');
      const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      openssl([
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        csr,
        '-subj',
        '/CN=v1',
      ]);
      // `x509 -req` without extensions makes a version 1 certificate.
      openssl(['x509', '-req', '-in', csr, '-signkey', key, '-days', '2', '-out', crt]);
      return { crt, key };
    };

    test('x509Version reads the version from the DER', () => {
      expect(x509Version(CERT)).toBe(3);
      expect(x509Version(readFileSync(v1().crt, 'utf8'))).toBe(1);
      expect(x509Version('not a certificate')).toBeUndefined();
    });

    test('a v1 client certificate: named, with the fix, not the raw tonic error', async () => {
      const { crt, key } = v1();
      const s = settings({ TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_TLS_CLIENT_CERT_PATH: crt, TEMPORAL_TLS_CLIENT_KEY_PATH: key });
      const error = await explainConnectFailure({ settings: s, error: new Error(RUSTLS) });
      expect(error.problem).toBe('certificate-version');
      expect(error.message).toBe(
        'cannot connect to the Temporal server at 127.0.0.1:7233: the client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH (or _DATA)) is an X.509 v1 certificate (UnsupportedCertVersion): ' +
          'the worker accepts only X.509 v3 certificates: issue it again as v3 (openssl x509 -req ... -extfile with its extensions, e.g. basicConstraints=CA:FALSE)',
      );
    });

    test("a v3 client certificate: then it is the server's chain", async () => {
      const s = settings({
        TEMPORAL_ADDRESS: '127.0.0.1:7233',
        TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
        TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
      });
      const error = await explainConnectFailure({ settings: s, error: new Error(RUSTLS) });
      expect(error.problem).toBe('certificate-version');
      expect(error.message).toMatch(
        /: a certificate of the server's chain \(or the CA in TEMPORAL_TLS_SERVER_CA_CERT_PATH.*\) is an X\.509 v1 certificate/,
      );
      expect(error.message).not.toContain('tonic');
    });
  });

  test('an HTTP/2 server that answers: the original error, key redacted', async () => {
    const address = await tcpServer(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
    const error = await explainConnectFailure({
      settings: settings({ TEMPORAL_ADDRESS: address }),
      error: new Error('13 INTERNAL: something else'),
    });
    expect(error.problem).toBe('other');
    expect(error.message).toBe(`cannot connect to the Temporal server at ${address}: 13 INTERNAL: something else`);
  });
});
