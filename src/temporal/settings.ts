// What the Temporal connection settings are once read, and what each setting is called, so that
// every message can name the variable (or the TOML field) to fix.
import { SettingsError } from '../common/settings-error';
import type { TLSConfig } from '@temporalio/client';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';
/** The Web UI of the local dev server (`npm run infra -- start`); set AUDIT_COLLECT_WEB_UI for any other. */
export const DEFAULT_WEB_UI = 'http://127.0.0.1:8233';

/** host:port, with an IPv6 host in brackets ([::]:9464). */
export function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(colon + 1)) };
}

/** A workflow's page in the Web UI at `webUi` (AUDIT_COLLECT_WEB_UI). */
export function workflowLink(params: { webUi: string; namespace: string; workflowId: string }): string {
  const base = params.webUi.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(params.namespace)}/workflows/${encodeURIComponent(params.workflowId)}`;
}

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
export class TemporalConfigError extends SettingsError {}

/** What each setting is called, in the environment and in the TOML profile. */
const SETTING = {
  address: { env: 'TEMPORAL_ADDRESS', toml: 'address' },
  apiKey: { env: 'TEMPORAL_API_KEY', toml: 'api_key' },
  serverCa: { env: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH (or _DATA)', toml: 'tls.server_ca_cert_path' },
  serverName: { env: 'TEMPORAL_TLS_SERVER_NAME', toml: 'tls.server_name' },
  clientCert: { env: 'TEMPORAL_TLS_CLIENT_CERT_PATH (or _DATA)', toml: 'tls.client_cert_path' },
  clientKey: { env: 'TEMPORAL_TLS_CLIENT_KEY_PATH (or _DATA)', toml: 'tls.client_key_path' },
} as const;

export type Setting = keyof typeof SETTING;

export function settingName(setting: Setting, profile: string | undefined): string {
  return profile ? `${SETTING[setting].env} (or ${SETTING[setting].toml} in ${profile})` : SETTING[setting].env;
}

/** The TLS options the connection uses, or undefined when TLS is off. */
export function tlsConfig(settings: TemporalConnectionSettings): TLSConfig | undefined {
  const { tls } = settings.connectionOptions;
  return tls === true ? {} : tls || undefined;
}
