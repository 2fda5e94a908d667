// Reads the TLS certificates and key the settings point at and lets OpenSSL parse them, so that a
// path to the wrong file fails at start, naming the setting, not as an obscure handshake error.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { ClientConfigTLS, ConfigDataSource } from '@temporalio/envconfig';
import { TemporalConfigError, settingName, type Setting } from './settings';

/** A certificate or key, read. */
type Pem = { data: string };

type TlsFiles = ClientConfigTLS & { serverCACert?: Pem; clientCert?: Pem; clientKey?: Pem };

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
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(data)) {
    throw new TemporalConfigError(
      `the ${params.what} from ${settingName(params.setting, params.profile)} is not PEM (no -----BEGIN ...----- line)`,
    );
  }
  return { data };
}

/** Lets OpenSSL parse the certificates and key now, so that a wrong file is named at start. */
function checkTlsMaterial(params: { tls: TlsFiles; profile?: string }): void {
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

/** The TLS settings with their certificates and key read and checked; throws TemporalConfigError naming a bad one. */
export function readTlsFiles(params: { tls: ClientConfigTLS | undefined; profile: string | undefined }): TlsFiles | undefined {
  const { profile } = params;
  if (!params.tls) return undefined;
  const tls = {
    ...params.tls,
    serverCACert: readSource({ source: params.tls.serverCACert, what: "server's CA certificate", setting: 'serverCa', profile }),
    clientCert: readSource({ source: params.tls.clientCert, what: 'client certificate', setting: 'clientCert', profile }),
    clientKey: readSource({ source: params.tls.clientKey, what: 'client key', setting: 'clientKey', profile }),
  };
  if (!tls.clientCert !== !tls.clientKey) {
    const [set, missing] = tls.clientCert ? (['clientCert', 'clientKey'] as const) : (['clientKey', 'clientCert'] as const);
    throw new TemporalConfigError(`${settingName(set, profile)} is set but ${settingName(missing, profile)} is not: mTLS needs both`);
  }
  checkTlsMaterial({ tls, profile });
  return tls;
}
